import type { Metadata } from 'next';
import { RULES, ruleAnchor, type RuleDoc } from '@/lib/findings/catalogue';
import { AppHeader } from '@/components/AppHeader';
import { SeverityIcon } from '@/components/SeverityIcon';

export const metadata: Metadata = {
  title: 'Rules',
  description: 'Every Rayguard rule: what it means, why it matters, how to fix it.',
};

const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'RG1', title: 'Config' },
  { prefix: 'RG2', title: 'Instance profile' },
  { prefix: 'RG3', title: 'IAM' },
  { prefix: 'RG4', title: 'Credentials' },
];

/** Inline `code` spans in the catalogue's prose. */
function Prose({ text }: { text: string }) {
  const parts = text.split(/(`[^`]+`)/g);
  return (
    <>
      {parts.map((p, i) => (p.startsWith('`') && p.endsWith('`') && p.length > 1 ? <code key={i}>{p.slice(1, -1)}</code> : p))}
    </>
  );
}

function Rule({ r }: { r: RuleDoc }) {
  const anchor = ruleAnchor(r.id);
  return (
    <article className="rule" id={anchor} data-testid="rule" data-rule-id={r.id}>
      <header className="rule-head">
        <h3>
          <a href={`#${anchor}`} className="rule-anchor">
            {r.id}
          </a>{' '}
          <span className="rule-name">{r.name}</span>
        </h3>
        <span className={`sev-badge sev-${r.severity}`}>
          <SeverityIcon severity={r.severity} /> {r.severity}
        </span>
        {!r.checked && (
          <span className="tag not-checked" title="Documented, but Rayguard does not check it yet">
            not checked yet
          </span>
        )}
        {r.fixes && r.fixes.length > 0 && (
          <span className="tag fixable" title="Fix can correct this">
            fix: {r.fixes.join(', ')}
          </span>
        )}
      </header>
      <p className="rule-summary">
        <Prose text={r.summary} />
      </p>
      <dl>
        <dt>Why it matters</dt>
        <dd>
          <Prose text={r.why} />
        </dd>
        <dt>How to fix</dt>
        <dd>
          <Prose text={r.howToFix} />
        </dd>
        {r.example && (
          <>
            <dt>Example</dt>
            <dd>
              <pre className="example">{r.example}</pre>
            </dd>
          </>
        )}
      </dl>
    </article>
  );
}

export default function RulesPage() {
  return (
    <div className="app rules-page">
      <AppHeader current="rules" />
      <div className="rules-layout">
        <nav className="rules-toc" aria-label="Rules">
          {GROUPS.map((g) => (
            <div key={g.prefix}>
              <h4>{g.title}</h4>
              <ul>
                {RULES.filter((r) => r.id.startsWith(g.prefix)).map((r) => (
                  <li key={r.id}>
                    <a href={`#${ruleAnchor(r.id)}`} className={r.checked ? undefined : 'unchecked'}>
                      <span className="mono">{r.id}</span> {r.name}
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main className="rules-main">
          <h1>Rules</h1>
          <p className="lede">
            Every finding names one of these rules. Ids are stable: rules are added, never renumbered. Severities are defaults.
          </p>
          {GROUPS.map((g) => (
            <section key={g.prefix} aria-labelledby={`group-${g.prefix}`}>
              <h2 id={`group-${g.prefix}`}>
                {g.title} <span className="muted mono">{g.prefix}xx</span>
              </h2>
              {RULES.filter((r) => r.id.startsWith(g.prefix)).map((r) => (
                <Rule key={r.id} r={r} />
              ))}
            </section>
          ))}
        </main>
      </div>
    </div>
  );
}
