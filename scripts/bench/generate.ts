/**
 * Deterministic generator of a large, labeled input for scripts/bench-secrets.ts: realistic Ray
 * cluster launcher configs for AWS (node types, docker options, setup commands, comments, block
 * scalars, anchors, flow collections) with a sprinkling of SYNTHETIC credentials of every kind,
 * built at run time from a seeded PRNG (lib/secrets/synthetic.ts), and clean look-alikes (digests,
 * commit ids, placeholders, secret-manager look-ups) that a scanner must not report.
 *
 * Everything stays in memory; the labels follow the conventions of shared/corpus/secrets/README.md
 * (line, column, text, end_line, kind; `acceptable` spans). Nothing here is a real credential, and
 * nothing here prints anything.
 */
import {
  awsKeyId,
  awsSecret,
  azureStorageKey,
  base64Encode,
  githubClassic,
  githubFineGrained,
  hex40,
  huggingFaceToken,
  makeRng,
  password,
  pemBlock,
  pick,
  sessionToken,
  slackBotToken,
  slackWebhook,
  type Rng,
} from '../../lib/secrets/synthetic';

export interface Label {
  line: number;
  column: number;
  kind: string;
  /** The exact substring at line/column (held in memory only; never printed). */
  text: string;
  end_line?: number;
}

export interface LabeledFile {
  name: string;
  text: string;
  findings: Label[];
  acceptable: Label[];
}

/** A piece of an emitted line: plain text, a credential to label, or an acceptable span. */
type Seg = string | { kind: string; text: string; acceptable?: boolean };

const sec = (kind: string, text: string): Seg => ({ kind, text });
const acc = (kind: string, text: string): Seg => ({ kind, text, acceptable: true });

class Writer {
  text = '';
  private marks: { kind: string; start: number; text: string; acceptable: boolean }[] = [];

  put(...segs: Seg[]): void {
    for (const s of segs) {
      if (typeof s === 'string') {
        this.text += s;
      } else {
        this.marks.push({ kind: s.kind, start: this.text.length, text: s.text, acceptable: !!s.acceptable });
        this.text += s.text;
      }
    }
  }

  ln(...segs: Seg[]): void {
    this.put(...segs, '\n');
  }

  finish(name: string): LabeledFile {
    const text = this.text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    const lineOf = (off: number): number => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= off) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const findings: Label[] = [];
    const acceptable: Label[] = [];
    for (const m of this.marks) {
      const l = lineOf(m.start);
      // The label's text is the part on the first line (a `\` continuation mark is not part of it).
      let first = m.text.split('\n')[0];
      if (first.endsWith('\\') && m.text.includes('\n')) first = first.slice(0, -1);
      const label: Label = { line: l + 1, column: m.start - starts[l] + 1, kind: m.kind, text: first };
      const last = lineOf(m.start + m.text.length - 1);
      if (last !== l) label.end_line = last + 1;
      (m.acceptable ? acceptable : findings).push(label);
    }
    return { name, text, findings, acceptable };
  }
}

// ---------------------------------------------------------------- random helpers

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

const one = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const chance = (rng: Rng, p: number): boolean => rng() < p;
const hex = (rng: Rng, n: number): string => pick(rng, HEX, n);
const uuid = (rng: Rng): string => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${one(rng, ['8', '9', 'a', 'b'])}${hex(rng, 3)}-${hex(rng, 12)}`;
const amiId = (rng: Rng): string => `ami-0${hex(rng, 16)}`;
const accountId = (rng: Rng): string => String(int(rng, 1, 9)) + pick(rng, DIGITS, 11);

const WORDS = [
  'orchard', 'tidewater', 'halcyon', 'lumen', 'bluefin', 'quillfeather', 'kestrel', 'sable', 'juniper', 'marlin',
  'granite', 'ember', 'cobalt', 'willow', 'aurora', 'basalt', 'cinder', 'delta', 'fjord', 'harbor',
];
const PURPOSES = [
  'train', 'serve', 'etl', 'tune', 'batch', 'eval', 'pretrain', 'finetune', 'rl', 'embed', 'index', 'ingest',
  'inference', 'sweep', 'export', 'features',
];
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-northeast-1'];
const CPU_TYPES = ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'm6i.xlarge', 'm6i.2xlarge', 'm6a.4xlarge', 'c6i.4xlarge', 'c6a.8xlarge', 'r6i.2xlarge', 'm7i.xlarge'];
const GPU_TYPES = ['g4dn.xlarge', 'g4dn.12xlarge', 'g5.2xlarge', 'g5.12xlarge', 'g5.48xlarge', 'p3.2xlarge', 'p4d.24xlarge', 'g6.xlarge', 'inf2.xlarge', 'trn1.32xlarge'];
const PIP = [
  '"ray[default]==2.9.3"', '"ray[data,train]==2.10.0"', 'torch==2.2.2', 'torchvision==0.17.2', 'transformers==4.40.1',
  'datasets==2.19.0', 'accelerate==0.29.3', 'boto3==1.34.84', 's3fs==2024.3.1', 'pyarrow==15.0.2', 'pandas==2.2.2',
  'xgboost==2.0.3', 'lightgbm==4.3.0', 'mlflow==2.11.3', 'wandb==0.16.6', 'timm==0.9.16', 'webdataset==0.2.86',
  'vllm==0.4.1', 'deepspeed==0.14.2', 'scikit-learn==1.4.2', 'polars==0.20.23', 'duckdb==0.10.1', 'optuna==3.6.1',
];
const IMAGES = ['rayproject/ray-ml:2.9.3-py310-gpu', 'rayproject/ray:2.10.0-py310-cpu', 'rayproject/ray-ml:2.10.0-py311-cu121', 'rayproject/ray:2.9.3-py39'];

interface Ctx {
  rng: Rng;
  /** One indentation step ("  " or "    "). */
  step: string;
  org: string;
  region: string;
  cluster: string;
}

// ---------------------------------------------------------------- emit helpers

/** One sequence item on one line. */
function item(w: Writer, ind: string, ...segs: Seg[]): void {
  w.ln(ind, '- ', ...segs);
}

/** One sequence item holding a block scalar; `lines` gets the content indentation. */
function blockItem(w: Writer, c: Ctx, ind: string, lines: (ci: string) => Seg[][]): void {
  // Scripts stay literal (folding would join the shell lines); folded items are foldedItem's.
  const style = one(c.rng, ['|', '|', '|-', '|+']);
  const ci = ind + (chance(c.rng, 0.5) ? '  ' : '    ');
  w.ln(ind, '- ', style);
  for (const l of lines(ci)) w.ln(l.length ? ci : '', ...l);
}

/** A folded (`>-`) sequence item: one long command written over several lines. */
function foldedItem(w: Writer, c: Ctx, ind: string, lines: Seg[][]): void {
  const ci = ind + (chance(c.rng, 0.5) ? '  ' : '    ');
  w.ln(ind, '- ', one(c.rng, ['>-', '>']));
  for (const l of lines) w.ln(ci, ...l);
}

// ---------------------------------------------------------------- credential snippets

type Site = 'cmd' | 'docker' | 'userdata';
interface Snippet {
  name: string;
  site: Site;
  weight: number;
  emit(w: Writer, c: Ctx, ind: string): void;
}

const AK = 'aws-access-key-id';
const SK = 'aws-secret-access-key';
const ST = 'aws-session-token';
const PK = 'private-key';
const GH = 'github-token';
const SW = 'slack-webhook';
const SL = 'slack-token';
const GCP = 'gcp-service-account-key';
const PW = 'generic-password';
const HF = 'huggingface-token';
const WB = 'wandb-api-key';
const AZ = 'azure-storage-key';

const keyId = (c: Ctx, temp = false): string => awsKeyId(c.rng, temp ? 'ASIA' : 'AKIA');
const host = (c: Ctx, what: string): string => `${what}.${c.org}.example.internal`;
const pemKind = (c: Ctx): string => one(c.rng, ['RSA', 'EC', 'OPENSSH', 'PKCS8']);

function secretWithSlash(c: Ctx): string {
  let v = awsSecret(c.rng);
  while (!/[+/]/.test(v)) v = awsSecret(c.rng);
  return v;
}
const pct = (v: string): string => v.replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D');

const SNIPPETS: Snippet[] = [
  {
    name: 'aws-export', site: 'cmd', weight: 6,
    emit(w, c, ind) {
      const form = int(c.rng, 0, 3);
      const pair: [string, string, string][] = [['AWS_ACCESS_KEY_ID', AK, keyId(c)], ['AWS_SECRET_ACCESS_KEY', SK, awsSecret(c.rng)]];
      for (const [name, kind, v] of pair) {
        if (form === 0) item(w, ind, `export ${name}=`, sec(kind, v));
        else if (form === 1) item(w, ind, `echo 'export ${name}=`, sec(kind, v), "' >> ~/.bashrc");
        else if (form === 2) item(w, ind, `'echo "export ${name}=`, sec(kind, v), `" >> ~/.bashrc'`);
        else item(w, ind, `"echo \\"export ${name}='`, sec(kind, v), `'\\" >> ~/.bashrc"`);
      }
      if (chance(c.rng, 0.5)) item(w, ind, `echo 'export AWS_DEFAULT_REGION=${c.region}' >> ~/.bashrc`);
    },
  },
  {
    name: 'aws-configure', site: 'cmd', weight: 3,
    emit(w, c, ind) {
      const prof = chance(c.rng, 0.5) ? ` --profile ${one(c.rng, PURPOSES)}` : '';
      item(w, ind, 'aws configure set aws_access_key_id ', sec(AK, keyId(c)), prof);
      item(w, ind, 'aws configure set aws_secret_access_key ', sec(SK, awsSecret(c.rng)), prof);
      item(w, ind, `aws configure set region ${c.region}${prof}`);
    },
  },
  {
    name: 'aws-heredoc', site: 'cmd', weight: 4,
    emit(w, c, ind) {
      const temp = chance(c.rng, 0.25);
      const tag = one(c.rng, ['EOF', 'CREDS']);
      const quoted = chance(c.rng, 0.5);
      blockItem(w, c, ind, () => [
        ['mkdir -p ~/.aws'],
        [`cat > ~/.aws/credentials << ${quoted ? `'${tag}'` : tag}`],
        ['[default]'],
        ['aws_access_key_id = ', sec(AK, keyId(c, temp))],
        ['aws_secret_access_key = ', sec(SK, awsSecret(c.rng))],
        ...(temp ? [['aws_session_token = ', sec(ST, sessionToken(c.rng, chance(c.rng, 0.3)))]] : []),
        [tag],
        [`aws configure set region ${c.region}`],
      ]);
    },
  },
  {
    name: 'aws-inline-env', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      const tail = one(c.rng, [
        'ray start --head --port=6379 --autoscaling-config=~/ray_bootstrap_config.yaml',
        'ray start --address=$RAY_HEAD_IP:6379',
        `python ~/jobs/${one(c.rng, PURPOSES)}.py --bucket s3://${c.org}-example-data`,
      ]);
      item(w, ind, chance(c.rng, 0.5) ? 'env ' : '', 'AWS_ACCESS_KEY_ID=', sec(AK, keyId(c)), ' AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)), ` ${tail}`);
    },
  },
  {
    name: 'aws-s3fs', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      item(w, ind, 'echo ', sec(AK, keyId(c)), ':', sec(SK, awsSecret(c.rng)), ' > ~/.passwd-s3fs');
      item(w, ind, 'chmod 600 ~/.passwd-s3fs');
      item(w, ind, `s3fs ${c.org}-example-data /mnt/data -o passwd_file=~/.passwd-s3fs`);
    },
  },
  {
    name: 'aws-url', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      const encoded = chance(c.rng, 0.4);
      const v = encoded ? secretWithSlash(c) : awsSecret(c.rng);
      item(w, ind, `echo 'export RAW_EVENTS_URI=s3://`, sec(AK, keyId(c)), ':', sec(SK, encoded ? pct(v) : v), `@${c.org}-example-raw/2024/' >> ~/.bashrc`);
    },
  },
  {
    name: 'aws-printf', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      item(w, ind, 'mkdir -p ~/.aws');
      item(w, ind, 'printf "[default]\\naws_access_key_id = ', sec(AK, keyId(c)), '\\naws_secret_access_key = ', sec(SK, awsSecret(c.rng)), '\\n" > ~/.aws/credentials');
    },
  },
  {
    name: 'aws-session', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      item(w, ind, 'export AWS_ACCESS_KEY_ID=', sec(AK, keyId(c, true)));
      item(w, ind, 'export AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)));
      item(w, ind, 'export AWS_SESSION_TOKEN=', sec(ST, sessionToken(c.rng, chance(c.rng, 0.3))));
    },
  },
  {
    name: 'aws-split', site: 'cmd', weight: 1,
    emit(w, c, ind) {
      const v = awsSecret(c.rng);
      const cut = int(c.rng, 12, 28);
      if (chance(c.rng, 0.5)) {
        // shell line continuation inside a literal block
        blockItem(w, c, ind, (ci) => [
          ['export AWS_ACCESS_KEY_ID=', sec(AK, keyId(c))],
          ['export AWS_SECRET_ACCESS_KEY=', sec(SK, `${v.slice(0, cut)}\\\n${ci}${v.slice(cut)}`)],
          ['aws sts get-caller-identity'],
        ]);
      } else {
        // YAML escaped line break inside a double-quoted scalar
        item(w, ind, '"export AWS_SECRET_ACCESS_KEY=', sec(SK, `${v.slice(0, cut)}\\\n${ind}  ${v.slice(cut)}`), '"');
        item(w, ind, 'export AWS_ACCESS_KEY_ID=', sec(AK, keyId(c)));
      }
    },
  },
  {
    name: 'aws-folded-docker', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      foldedItem(w, c, ind, [
        [`docker run -d --restart unless-stopped --name ${one(c.rng, ['metrics-shipper', 'log-forwarder', 'sidecar'])}`],
        ['-e AWS_ACCESS_KEY_ID=', sec(AK, keyId(c))],
        ['-e AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng))],
        [`-e AWS_REGION=${c.region}`],
        ['-v /tmp/ray/session_latest/logs:/logs:ro'],
        [`public.ecr.aws/${c.org}-example/shipper:1.${int(c.rng, 0, 9)}.${int(c.rng, 0, 9)}`],
      ]);
    },
  },
  {
    name: 'aws-commented', site: 'cmd', weight: 1,
    emit(w, c, ind) {
      w.ln(ind, '# ', chance(c.rng, 0.5) ? '- ' : '', 'export AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)));
      item(w, ind, 'export AWS_ACCESS_KEY_ID=', sec(AK, keyId(c)));
    },
  },
  {
    name: 'pem-heredoc', site: 'cmd', weight: 3,
    emit(w, c, ind) {
      const file = one(c.rng, ['~/.ssh/deploy_key', '~/.ssh/id_rsa', '~/.ssh/id_ed25519', '/etc/ssl/private/service.key']);
      blockItem(w, c, ind, (ci) => [
        ['mkdir -p ~/.ssh'],
        [`cat > ${file} <<'EOF'`],
        [sec(PK, pemBlock(c.rng, pemKind(c), ci.length))],
        ['EOF'],
        [`chmod 600 ${file}`],
        ...(chance(c.rng, 0.5) ? [['ssh-keyscan github.com >> ~/.ssh/known_hosts']] : []),
      ]);
    },
  },
  {
    name: 'pem-escaped', site: 'cmd', weight: 1,
    emit(w, c, ind) {
      item(w, ind, 'echo -e "', sec(PK, pemBlock(c.rng, pemKind(c), 0, true)), '" > ~/.ssh/deploy_key');
      item(w, ind, 'chmod 600 ~/.ssh/deploy_key');
    },
  },
  {
    name: 'gcp-sa', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      const project = `${c.org}-${one(c.rng, PURPOSES)}-example`;
      const sa = `${one(c.rng, PURPOSES)}-writer`;
      blockItem(w, c, ind, () => [
        ['mkdir -p ~/.config/gcloud'],
        [`cat > ~/.config/gcloud/${sa}.json <<'JSON'`],
        ['{'],
        ['  "type": "service_account",'],
        [`  "project_id": "${project}",`],
        ['  "private_key_id": "', acc('gcp-private-key-id', hex40(c.rng)), '",'],
        ['  "private_key": "', sec(GCP, pemBlock(c.rng, 'PKCS8', 0, true) + '\\n'), '",'],
        [`  "client_email": "${sa}@${project}.iam.gserviceaccount.com",`],
        [`  "client_id": "${pick(c.rng, DIGITS, 21)}",`],
        ['  "auth_uri": "https://accounts.google.com/o/oauth2/auth",'],
        ['  "token_uri": "https://oauth2.googleapis.com/token"'],
        ['}'],
        ['JSON'],
        [`echo 'export GOOGLE_APPLICATION_CREDENTIALS=$HOME/.config/gcloud/${sa}.json' >> ~/.bashrc`],
      ]);
    },
  },
  {
    name: 'github', site: 'cmd', weight: 4,
    emit(w, c, ind) {
      const repo = `${c.org}-example/${one(c.rng, ['rl-envs', 'pipelines', 'models', 'utils', 'infra', 'datasets'])}`;
      const form = int(c.rng, 0, 3);
      const tok = form === 3 ? githubFineGrained(c.rng) : githubClassic(c.rng, one(c.rng, ['p', 'p', 'o', 'u', 's']));
      if (form === 0) item(w, ind, 'git clone https://', sec(GH, tok), `@github.com/${repo}.git ~/${repo.split('/')[1]} || true`);
      else if (form === 1) item(w, ind, 'pip install "git+https://x-access-token:', sec(GH, tok), `@github.com/${repo}.git@v0.${int(c.rng, 1, 9)}.${int(c.rng, 0, 9)}"`);
      else if (form === 2) item(w, ind, 'git config --global url."https://', sec(GH, tok), '@github.com/".insteadOf "https://github.com/"');
      else {
        item(w, ind, 'export GITHUB_TOKEN=', sec(GH, tok));
        item(w, ind, `gh repo clone ${repo}`);
      }
    },
  },
  {
    name: 'slack-webhook', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      if (chance(c.rng, 0.5)) {
        blockItem(w, c, ind, () => [
          [`curl -fsS -X POST -H 'Content-type: application/json' --data '{"text":"${c.cluster} is up"}' \\`],
          ['  ', sec(SW, slackWebhook(c.rng)), ' || true'],
        ]);
      } else {
        item(w, ind, "echo 'export SLACK_WEBHOOK_URL=", sec(SW, slackWebhook(c.rng)), "' >> ~/.bashrc");
      }
    },
  },
  {
    name: 'slack-token', site: 'cmd', weight: 1,
    emit(w, c, ind) {
      item(w, ind, 'export SLACK_BOT_TOKEN=', sec(SL, slackBotToken(c.rng)));
    },
  },
  {
    name: 'password', site: 'cmd', weight: 4,
    emit(w, c, ind) {
      const user = `svc-${one(c.rng, WORDS)}`;
      const form = int(c.rng, 0, 3);
      if (form === 0) item(w, ind, `docker login -u ${user} -p '`, sec(PW, password(c.rng, int(c.rng, 16, 28))), `' registry.${c.org}.example.com`);
      else if (form === 1) item(w, ind, `pip config set global.extra-index-url https://${user}:`, sec(PW, password(c.rng, int(c.rng, 16, 28))), `@pypi.${c.org}.example.com/simple`);
      else if (form === 2) {
        foldedItem(w, c, ind, [
          ['nohup mlflow server --host 0.0.0.0 --port 5000'],
          ['--backend-store-uri postgresql://mlflow:', sec(PW, password(c.rng, int(c.rng, 16, 28))), `@${host(c, 'mlflow-db')}:5432/mlflow`],
          [`--default-artifact-root s3://${c.org}-example-mlflow/runs`],
          ['> ~/mlflow.log 2>&1 &'],
        ]);
      } else item(w, ind, 'export MLFLOW_TRACKING_PASSWORD=', sec(PW, password(c.rng, int(c.rng, 16, 28))));
    },
  },
  {
    name: 'huggingface', site: 'cmd', weight: 3,
    emit(w, c, ind) {
      if (chance(c.rng, 0.5)) item(w, ind, 'huggingface-cli login --token ', sec(HF, huggingFaceToken(c.rng)), chance(c.rng, 0.5) ? ' --add-to-git-credential' : '');
      else item(w, ind, "echo 'export HF_TOKEN=", sec(HF, huggingFaceToken(c.rng)), "' >> ~/.bashrc");
    },
  },
  {
    name: 'wandb', site: 'cmd', weight: 3,
    emit(w, c, ind) {
      const form = int(c.rng, 0, 2);
      if (form === 0) item(w, ind, 'wandb login ', sec(WB, hex40(c.rng)));
      else if (form === 1) item(w, ind, 'export WANDB_API_KEY=', sec(WB, hex40(c.rng)));
      else item(w, ind, `python -c "import wandb; wandb.login(key='`, sec(WB, hex40(c.rng)), `')"`);
    },
  },
  {
    name: 'azure', site: 'cmd', weight: 2,
    emit(w, c, ind) {
      const acct = `${c.org}${one(c.rng, ['mirror', 'data', 'logs', 'ckpt'])}`;
      if (chance(c.rng, 0.5)) {
        item(w, ind, `echo 'export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=${acct};AccountKey=`, sec(AZ, azureStorageKey(c.rng)), `;EndpointSuffix=core.windows.net"' >> ~/.bashrc`);
      } else {
        item(w, ind, `az storage blob upload-batch --account-name ${acct} --account-key `, sec(AZ, azureStorageKey(c.rng)), ' -d checkpoints -s ~/ckpt');
      }
    },
  },
  // ---- docker run options (the list item is `- -e NAME=value`)
  {
    name: 'docker-aws', site: 'docker', weight: 4,
    emit(w, c, ind) {
      item(w, ind, one(c.rng, ['--env', '-e']), ' AWS_ACCESS_KEY_ID=', sec(AK, keyId(c)));
      item(w, ind, one(c.rng, ['--env', '-e']), ' AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)));
    },
  },
  {
    name: 'docker-session', site: 'docker', weight: 1,
    emit(w, c, ind) {
      item(w, ind, '-e AWS_ACCESS_KEY_ID=', sec(AK, keyId(c, true)));
      item(w, ind, '-e AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)));
      item(w, ind, '-e AWS_SESSION_TOKEN=', sec(ST, sessionToken(c.rng)));
    },
  },
  {
    name: 'docker-tokens', site: 'docker', weight: 3,
    emit(w, c, ind) {
      const f = int(c.rng, 0, 2);
      if (f === 0) item(w, ind, '--env WANDB_API_KEY=', sec(WB, hex40(c.rng)));
      else if (f === 1) item(w, ind, '-e HUGGING_FACE_HUB_TOKEN=', sec(HF, huggingFaceToken(c.rng)));
      else item(w, ind, '-e POSTGRES_PASSWORD=', sec(PW, password(c.rng, int(c.rng, 16, 28))));
    },
  },
  // ---- EC2 UserData (a block scalar under node_config)
  {
    name: 'userdata-aws', site: 'userdata', weight: 2,
    emit(w, c, ci) {
      w.ln(ci, '#!/bin/bash');
      w.ln(ci, '# written at boot so that cron jobs outside Ray also get the keys');
      w.ln(ci, 'cat >> /etc/environment <<EOF');
      w.ln(ci, 'AWS_ACCESS_KEY_ID=', sec(AK, keyId(c)));
      w.ln(ci, 'AWS_SECRET_ACCESS_KEY=', sec(SK, awsSecret(c.rng)));
      w.ln(ci, `AWS_DEFAULT_REGION=${c.region}`);
      w.ln(ci, 'EOF');
    },
  },
  {
    name: 'userdata-tokens', site: 'userdata', weight: 1,
    emit(w, c, ci) {
      w.ln(ci, '#!/bin/bash');
      w.ln(ci, 'echo "WANDB_API_KEY=', sec(WB, hex40(c.rng)), '" >> /etc/environment');
      w.ln(ci, 'echo "SLACK_BOT_TOKEN=', sec(SL, slackBotToken(c.rng)), '" >> /etc/environment');
    },
  },
];

// ---------------------------------------------------------------- clean look-alikes

function cleanCommand(w: Writer, c: Ctx, ind: string): void {
  const r = c.rng;
  switch (int(r, 0, 13)) {
    case 0: item(w, ind, `pip install -q ${[...new Set(Array.from({ length: int(r, 1, 4) }, () => one(r, PIP)))].join(' ')}`); break;
    case 1: item(w, ind, `git clone https://github.com/${c.org}-example/pipelines.git ~/pipelines && git -C ~/pipelines checkout ${hex40(r)}`); break;
    case 2: item(w, ind, `pip install ${one(r, PIP)} --hash=sha256:${hex(r, 64)}`); break;
    case 3: item(w, ind, `echo "${hex(r, 64)}  model.onnx" | sha256sum -c -`); break;
    case 4: item(w, ind, `export BUILD_ID=${uuid(r)}`); break;
    case 5: item(w, ind, `export WANDB_API_KEY=$(aws secretsmanager get-secret-value --secret-id ${c.cluster}/wandb --query SecretString --output text)`); break;
    case 6: item(w, ind, 'export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY}"'); break;
    case 7: item(w, ind, `aws s3 sync s3://${c.org}-example-data/${one(r, PURPOSES)}/ /mnt/data/ --only-show-errors`); break;
    case 8: item(w, ind, one(r, ['export GITHUB_TOKEN=<your-token-here>', 'export WANDB_API_KEY=your-wandb-api-key', 'export HF_TOKEN=REPLACE_ME', 'export AWS_SECRET_ACCESS_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'])); break;
    case 9: item(w, ind, `aws ecr get-login-password --region ${c.region} | docker login --username AWS --password-stdin ${accountId(r)}.dkr.ecr.${c.region}.amazonaws.com`); break;
    case 10: item(w, ind, `echo '${base64Encode(`print("${c.cluster} worker ready")`)}' | base64 -d | python3`); break;
    case 11:
      blockItem(w, c, ind, () => [
        ['# pull runtime secrets from Secrets Manager instead of hard-coding them'],
        [`export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/${c.cluster}/db \\`],
        ['  --query SecretString --output text | jq -r .password)'],
        [`export SLACK_WEBHOOK_URL=$(aws ssm get-parameter --name /${c.cluster}/slack-webhook --with-decryption --query Parameter.Value --output text)`],
      ]);
      break;
    case 12: item(w, ind, `sudo apt-get update -y && sudo apt-get install -y ${one(r, ['htop', 'jq', 'awscli', 'nfs-common', 'libgl1'])}`); break;
    default: item(w, ind, `echo 'export PATH=$HOME/.local/bin:$PATH' >> ~/.bashrc`);
  }
}

// ---------------------------------------------------------------- whole config

function nodeType(w: Writer, c: Ctx, ind: string, name: string, head: boolean, userdata: Snippet | null, acct: string): void {
  const r = c.rng;
  const s = c.step;
  const gpu = !head && chance(r, 0.5);
  w.ln(ind, `${name}:`);
  if (chance(r, 0.3)) w.ln(ind, s, `# ${gpu ? 'GPU workers' : head ? 'head node: no tasks scheduled here' : 'CPU workers'}`);
  if (!head) {
    w.ln(ind, s, `min_workers: ${int(r, 0, 2)}`);
    w.ln(ind, s, `max_workers: ${int(r, 2, 64)}`);
  }
  w.ln(ind, s, `resources: ${one(r, ['{}', head ? '{"CPU": 0}' : `{"GPU": ${int(r, 1, 8)}}`, '{"CPU": 0, "custom": 1}'])}`);
  w.ln(ind, s, 'node_config:');
  const n = ind + s + s;
  w.ln(n, `InstanceType: ${one(r, gpu ? GPU_TYPES : CPU_TYPES)}`);
  w.ln(n, `ImageId: ${amiId(r)}`);
  if (chance(r, 0.4)) w.ln(n, `SubnetIds: [subnet-0${hex(r, 16)}, subnet-0${hex(r, 16)}]`);
  if (chance(r, 0.3)) w.ln(n, `SecurityGroupIds: ["sg-0${hex(r, 16)}"]`);
  if (chance(r, 0.7)) {
    w.ln(n, 'IamInstanceProfile:');
    if (chance(r, 0.5)) w.ln(n, s, `Arn: arn:aws:iam::${acct}:instance-profile/ray-${head ? 'head' : 'worker'}-v1`);
    else w.ln(n, s, `Name: ray-${c.cluster}-${head ? 'head' : 'worker'}`);
  }
  if (chance(r, 0.5)) {
    w.ln(n, 'BlockDeviceMappings:');
    w.ln(n, s, '- DeviceName: /dev/sda1');
    w.ln(n, s, '  Ebs:');
    w.ln(n, s, `      VolumeSize: ${one(r, [100, 200, 500, 1000])}`);
    w.ln(n, s, `      VolumeType: ${one(r, ['gp3', 'gp2', 'io2'])}`);
  }
  if (!head && chance(r, 0.4)) {
    w.ln(n, 'InstanceMarketOptions:');
    w.ln(n, s, 'MarketType: spot');
    if (chance(r, 0.5)) w.ln(n, s, `SpotOptions: {MaxPrice: "${int(r, 1, 9)}.${int(r, 10, 99)}"}`);
  }
  if (chance(r, 0.3)) {
    w.ln(n, 'TagSpecifications:');
    w.ln(n, s, '- ResourceType: instance');
    w.ln(n, s, '  Tags:');
    w.ln(n, s, `    - {Key: team, Value: ${c.org}-ml}`);
    w.ln(n, s, `    - {Key: cost-center, Value: "${int(r, 1000, 9999)}"}`);
  }
  if (userdata) {
    w.ln(n, 'UserData: |');
    userdata.emit(w, c, n + s);
  } else if (chance(r, 0.15)) {
    const script = `#!/bin/bash\necho 'vm.max_map_count=262144' >> /etc/sysctl.conf\nsysctl -p\n`;
    w.ln(n, `UserData: "${base64Encode(script)}"`);
  }
}

function pickSnippet(rng: Rng, site?: Site): Snippet {
  const pool = site ? SNIPPETS.filter((s) => s.site === site) : SNIPPETS;
  let t = rng() * pool.reduce((a, s) => a + s.weight, 0);
  for (const s of pool) {
    t -= s.weight;
    if (t < 0) return s;
  }
  return pool[pool.length - 1];
}

function commands(w: Writer, c: Ctx, key: string, seqInd: string, planted: Snippet[], clean: number): void {
  w.ln(`${key}:`);
  if (chance(c.rng, 0.2)) w.ln(seqInd, `# ${one(c.rng, ['runs on every node', 'keep these idempotent', 'TODO: move to the AMI', 'order matters'])}`);
  const slots = [...planted.map((p) => ({ p })), ...Array.from({ length: clean }, () => ({ p: null as Snippet | null }))];
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(c.rng() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  for (const { p } of slots) (p ? p.emit(w, c, seqInd) : cleanCommand(w, c, seqInd));
}

export function generateConfig(rng: Rng, index: number): LabeledFile {
  const step = chance(rng, 0.5) ? '  ' : '    ';
  const org = one(rng, WORDS);
  const c: Ctx = { rng, step, org, region: one(rng, REGIONS), cluster: `${org}-${one(rng, PURPOSES)}-${index}` };
  const w = new Writer();
  const acct = accountId(rng);

  // What to plant: about a third of the files are clean.
  const planted: Snippet[] = [];
  if (!chance(rng, 0.33)) for (let k = int(rng, 1, 3); k > 0; k--) planted.push(pickSnippet(rng));
  const bySite = (s: Site) => planted.filter((p) => p.site === s);

  if (chance(rng, 0.5)) {
    w.ln(`# Ray cluster: ${c.cluster} (${one(rng, PURPOSES)} workloads)`);
    if (chance(rng, 0.5)) w.ln(`# owner: ${org}-ml-platform; see the runbook before changing node types`);
  }
  w.ln(`cluster_name: ${c.cluster}`);
  w.ln(`max_workers: ${int(rng, 2, 128)}`);
  if (chance(rng, 0.5)) w.ln(`upscaling_speed: ${one(rng, ['1.0', '2.0', '0.5'])}`);
  if (chance(rng, 0.5)) w.ln(`idle_timeout_minutes: ${int(rng, 5, 60)}`);
  w.ln();

  const dockerSnips = bySite('docker');
  if (dockerSnips.length || chance(rng, 0.4)) {
    const s = step;
    w.ln('docker:');
    w.ln(s, `image: ${one(rng, IMAGES)}`);
    w.ln(s, 'container_name: ray_container');
    w.ln(s, `pull_before_run: ${one(rng, ['True', 'False', 'true'])}`);
    const anchored = chance(rng, 0.3);
    w.ln(s, anchored ? 'head_run_options: &run_env' : 'run_options:');
    item(w, s + s, '--ulimit nofile=65536:65536');
    for (const d of dockerSnips) d.emit(w, c, s + s);
    if (chance(rng, 0.5)) item(w, s + s, `-e AWS_DEFAULT_REGION=${c.region}`);
    if (chance(rng, 0.3)) item(w, s + s, '--env AWS_ACCESS_KEY_ID');
    if (anchored) w.ln(s, 'worker_run_options: *run_env');
    w.ln();
  }

  w.ln('provider:');
  w.ln(step, 'type: aws');
  w.ln(step, `region: ${c.region}`);
  if (chance(rng, 0.4)) w.ln(step, `availability_zone: ${c.region}a,${c.region}b`);
  if (chance(rng, 0.5)) w.ln(step, `cache_stopped_nodes: ${one(rng, ['False', 'True', 'false'])}`);
  w.ln();
  w.ln('auth:');
  w.ln(step, `ssh_user: ${one(rng, ['ubuntu', 'ec2-user'])}`);
  if (chance(rng, 0.3)) w.ln(step, `ssh_private_key: ~/.ssh/${c.cluster}.pem`);
  w.ln();

  const headName = one(rng, ['ray.head.default', 'head', 'head_node']);
  const workers = Array.from({ length: int(rng, 1, 3) }, (_, i) => `ray.worker.${one(rng, ['cpu', 'gpu', 'spot', 'a10g', 'default'])}${i}`);
  const userdata = bySite('userdata');
  w.ln('available_node_types:');
  [headName, ...workers].forEach((name, i) => nodeType(w, c, step, name, i === 0, userdata[i] ?? null, acct));
  w.ln();
  w.ln(`head_node_type: ${headName}`);
  w.ln();

  if (chance(rng, 0.4)) {
    w.ln('file_mounts:');
    w.ln(step, `"~/jobs": "./jobs"`);
    if (chance(rng, 0.5)) w.ln(step, `"/home/ubuntu/.ssh/config": "~/.ssh/${c.cluster}.config"`);
    w.ln();
  }

  const cmdSnips = bySite('cmd');
  const keys = ['initialization_commands', 'setup_commands', 'head_setup_commands', 'worker_setup_commands'];
  const present = keys.filter((k) => k === 'setup_commands' || chance(rng, 0.3));
  const share = new Map<string, Snippet[]>(present.map((k) => [k, []]));
  for (const s of cmdSnips) share.get(one(rng, present))!.push(s);
  for (const k of present) {
    commands(w, c, k, chance(rng, 0.8) ? step : '', share.get(k)!, int(rng, 1, 4));
    w.ln();
  }

  w.ln('head_start_ray_commands:');
  item(w, step, 'ray stop');
  item(w, step, 'ulimit -n 65536; ray start --head --port=6379 --object-manager-port=8076 --autoscaling-config=~/ray_bootstrap_config.yaml');
  w.ln();
  w.ln('worker_start_ray_commands:');
  item(w, step, 'ray stop');
  item(w, step, 'ulimit -n 65536; ray start --address=$RAY_HEAD_IP:6379 --object-manager-port=8076');

  return w.finish(`gen-${String(index).padStart(5, '0')}-${planted.length ? planted.map((p) => p.name).join('+') : 'clean'}`);
}

/** Configs from `seed` until at least `minBytes` UTF-8 bytes and `minFiles` files. */
export function generateCorpus(seed: number, minBytes: number, minFiles: number): LabeledFile[] {
  const rng = makeRng(seed);
  const out: LabeledFile[] = [];
  let bytes = 0;
  while (bytes < minBytes || out.length < minFiles) {
    const f = generateConfig(rng, out.length);
    bytes += Buffer.byteLength(f.text, 'utf8');
    out.push(f);
  }
  return out;
}
