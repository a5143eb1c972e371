/**
 * Generators of realistic Ray cluster-launcher configs for AWS, produced as TEXT (fast-check).
 *
 * A generated config is a structured `ConfigSpec` (what the config says: node types, instance
 * profiles, planted credentials, legacy sections, ...) plus layout choices (indentation, quoting,
 * flow vs block collections, comments, CRLF, final newline), rendered by a small YAML writer of
 * our own. The spec shrinks well: layout knobs shrink towards plain block LF text without
 * comments, lists shrink towards empty, so a failing case comes out small.
 *
 * Every credential is synthetic (lib/secrets/synthetic.ts, seeded); `planted` lists the values.
 */
import fc from 'fast-check';
import { awsKeyId, awsSecret, githubClassic, makeRng, password, type Rng } from '@/lib/secrets/synthetic';

// ---------------------------------------------------------------------------------------------
// A tiny YAML tree and its writer
// ---------------------------------------------------------------------------------------------

export type QuoteStyle = 'plain' | 'single' | 'double';

export type YNode =
  /** A string; written in `style` when that is safe, else double-quoted. */
  | { t: 'str'; v: string; style?: QuoteStyle }
  /** Written exactly as given (numbers, booleans, `{}`). */
  | { t: 'raw'; v: string }
  /** A literal block scalar (`|`); lines are written indented below the key or dash. */
  | { t: 'literal'; lines: string[] }
  | { t: 'map'; entries: YEntry[]; flow?: boolean }
  | { t: 'seq'; items: YItem[]; flow?: boolean };

export interface YEntry {
  key: string;
  keyStyle?: QuoteStyle;
  value: YNode;
  /** Own-line comments written before the entry. */
  before?: string[];
  /** A comment at the end of the entry's first line. */
  trailing?: string;
}

export interface YItem {
  value: YNode;
  before?: string[];
  trailing?: string;
}

export interface Layout {
  /** Spaces per nesting level. */
  indent: number;
  /** `key:\n  - item` (true) or `key:\n- item` (false). */
  seqIndented: boolean;
}

const YAML11_SPECIAL = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|=|<<)$/;
const NUMBER_LIKE = /^[-+]?(?:\.?[0-9][0-9_:.,eE+-]*|\.inf|\.nan|0x[0-9a-fA-F_]+|0b[01_]+|0o?[0-7_]+)$/i;

/** True when `s` reads back as the same string when written plain (conservatively). */
export function plainSafe(s: string, flow: boolean): boolean {
  if (s === '' || s !== s.trim() || /[\n\r\t]/.test(s)) return false;
  if (YAML11_SPECIAL.test(s) || NUMBER_LIKE.test(s)) return false;
  // Indicators that cannot start a plain scalar; `-x` (a flag) is fine.
  if (/^[?:,[\]{}#&*!|>'"%@`]/.test(s)) return false;
  if (/^-(?:$|\s|-(?:-|$))/.test(s)) return false;
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false;
  // In flow collections, `,[]{}` end the scalar and a `:` is read as a key separator by some parsers.
  if (flow && /[,[\]{}:]/.test(s)) return false;
  return true;
}

function quote(s: string, style: QuoteStyle, flow: boolean): string {
  if (style === 'plain' && plainSafe(s, flow)) return s;
  if (style === 'single' && !/[\n\r]/.test(s)) return `'${s.replace(/'/g, "''")}'`;
  const esc = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `"${esc}"`;
}

function key(e: YEntry, flow: boolean): string {
  return quote(e.key, e.keyStyle ?? 'plain', flow);
}

function flowText(n: YNode): string {
  switch (n.t) {
    case 'str':
      return quote(n.v, n.style ?? 'plain', true);
    case 'raw':
      return n.v;
    case 'literal':
      // No block scalars inside flow collections: write the joined text double-quoted.
      return quote(n.lines.join('\n'), 'double', true);
    case 'map':
      return n.entries.length === 0 ? '{}' : `{${n.entries.map((e) => `${key(e, true)}: ${flowText(e.value)}`).join(', ')}}`;
    case 'seq':
      return n.items.length === 0 ? '[]' : `[${n.items.map((i) => flowText(i.value)).join(', ')}]`;
  }
}

function isBlockCollection(n: YNode): n is Extract<YNode, { t: 'map' | 'seq' }> {
  return (n.t === 'map' || n.t === 'seq') && !n.flow && (n.t === 'map' ? n.entries.length > 0 : n.items.length > 0);
}

const sp = (n: number) => ' '.repeat(n);
const trail = (c?: string) => (c ? `  ${c}` : '');

/** Lines of a block mapping at `ind`. */
function mapLines(entries: YEntry[], ind: number, L: Layout): string[] {
  const out: string[] = [];
  for (const e of entries) {
    for (const c of e.before ?? []) out.push(sp(ind) + c);
    const k = sp(ind) + key(e, false) + ':';
    const v = e.value;
    if (v.t === 'literal') {
      out.push(`${k} |`);
      for (const l of v.lines) out.push(l === '' ? '' : sp(ind + L.indent) + l);
    } else if (isBlockCollection(v)) {
      out.push(k + trail(e.trailing));
      if (v.t === 'map') out.push(...mapLines(v.entries, ind + L.indent, L));
      else out.push(...seqLines(v.items, L.seqIndented ? ind + L.indent : ind, L));
    } else {
      out.push(`${k} ${flowText(v)}${trail(e.trailing)}`);
    }
  }
  return out;
}

/** Lines of a block sequence whose dashes sit at `ind`. */
function seqLines(items: YItem[], ind: number, L: Layout): string[] {
  const out: string[] = [];
  for (const it of items) {
    for (const c of it.before ?? []) out.push(sp(ind) + c);
    const v = it.value;
    if (v.t === 'literal') {
      out.push(`${sp(ind)}- |`);
      for (const l of v.lines) out.push(l === '' ? '' : sp(ind + 2 + L.indent) + l);
    } else if (v.t === 'map' && isBlockCollection(v)) {
      // `- key: v` then the other entries under the first key (no comments before the first).
      const [first, ...rest] = v.entries;
      const lines = mapLines([{ ...first, before: [] }, ...rest], ind + 2, L);
      lines[0] = `${sp(ind)}- ${lines[0].slice(ind + 2)}`;
      out.push(...lines);
    } else if (v.t === 'seq' && isBlockCollection(v)) {
      out.push(`${sp(ind)}-${trail(it.trailing)}`);
      out.push(...seqLines(v.items, ind + L.indent, L));
    } else {
      out.push(`${sp(ind)}- ${flowText(v)}${trail(it.trailing)}`);
    }
  }
  return out;
}

export function renderYaml(root: YEntry[], L: Layout, eol: '\n' | '\r\n', finalNewline: boolean): string {
  const lines = mapLines(root, 0, L);
  return lines.join(eol) + (finalNewline ? eol : '');
}

// ---------------------------------------------------------------------------------------------
// What a config says
// ---------------------------------------------------------------------------------------------

export type ProfileKey = 'IamInstanceProfile' | 'iamInstanceProfile' | 'IAMInstanceProfile' | 'iam_instance_profile';
export type ProfileInnerKey = 'Arn' | 'Name' | 'arn' | 'name';
export type ProfileValueKind = 'profile-arn' | 'role-arn' | 'name' | 'default-name' | 'default-arn' | 'placeholder' | 'other-partition';

export interface ProfileSpec {
  key: ProfileKey;
  inner: ProfileInnerKey;
  value: ProfileValueKind;
  /** Written as `IamInstanceProfile: arn:...` rather than a mapping. */
  scalar: boolean;
  /** Where it sits: in node_config (right), or at the node type level (misplaced). */
  where: 'node_config' | 'node_type';
}

/** A command-list item: a benign command, a planted credential in one of several contexts, or a block. */
export type CommandSpec =
  | { kind: 'benign'; i: number }
  | { kind: 'cred'; ctx: number }
  | { kind: 'literal'; lines: Array<{ kind: 'benign'; i: number } | { kind: 'cred'; ctx: number }> };

export type DockerOptionSpec =
  | { kind: 'benign'; i: number }
  | { kind: 'cred'; ctx: number };

export interface NodeTypeSpec {
  name: string;
  instanceType: string;
  profile: ProfileSpec | null;
  hasNodeConfig: boolean;
  blockDevices: boolean;
  resources: 'empty' | 'cpu' | 'gpu' | 'none';
  workers: [number, number] | null;
  /** Per node type commands (Ray allows worker_setup_commands etc. on a node type). */
  commands: CommandSpec[] | null;
}

export interface LegacySpec {
  /** head_node / worker_nodes written as well. */
  head: boolean;
  workers: boolean;
  /** A profile inside head_node. */
  headProfile: ProfileSpec | null;
  /** Keep available_node_types too (else the legacy sections are the only node types). */
  withNodeTypes: boolean;
}

export const COMMAND_SECTIONS = [
  'initialization_commands',
  'setup_commands',
  'head_setup_commands',
  'worker_setup_commands',
  'head_start_ray_commands',
  'worker_start_ray_commands',
] as const;

export interface ConfigSpec {
  clusterName: string;
  region: string;
  head: NodeTypeSpec;
  workers: NodeTypeSpec[];
  /** `present`: head_node_type names the head; `absent`: not written; `dangling`: names no node type. */
  headNodeType: 'present' | 'absent' | 'dangling';
  /** No available_node_types at all (Ray's defaults, or legacy sections). */
  noNodeTypes: boolean;
  providerCredentials: null | { token: boolean; flow: boolean };
  providerProfile: ProfileSpec | null;
  providerExtra: boolean;
  docker: null | { options: DockerOptionSpec[]; flowOptions: boolean };
  fileMounts: number[];
  commands: Array<{ section: number; items: CommandSpec[]; flow: boolean }>;
  legacy: LegacySpec | null;
  /** Top-level keys Ray 1.x had (min_workers, initial_workers, ...), and unrelated keys. */
  extras: number[];
  /** Layout. */
  indent: 2 | 4;
  seqIndented: boolean;
  crlf: boolean;
  finalNewline: boolean;
  quoteMode: 'plain' | 'mixed' | 'single' | 'double';
  flowRate: 0 | 0.3 | 1;
  commentRate: 0 | 0.2 | 0.5;
  shuffleTop: boolean;
  /** Seeds: layout decisions and synthetic credential values. */
  layoutSeed: number;
  secretSeed: number;
}

export interface GeneratedConfig {
  text: string;
  spec: ConfigSpec;
  /** The head node type Ray would use (the name in `head_node_type`, or Ray's default). */
  headType: string;
  /** Every synthetic credential value written into the text. */
  planted: string[];
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const ACCOUNT = '123456789012';

export const BENIGN_COMMANDS = [
  'pip install -U "ray[default]" boto3',
  'sudo apt-get update -y',
  'echo hello',
  'ray stop',
  'ulimit -n 65536; ray start --head --port=6379 --autoscaling-config=~/ray_bootstrap_config.yaml',
  'ray start --address=$RAY_HEAD_IP:6379 --object-manager-port=8076',
  'conda activate ray',
  'mkdir -p ~/data',
  'export AWS_DEFAULT_REGION=us-west-2',
  'aws s3 cp s3://my-bucket/data ~/data --recursive',
  'echo "export PATH=$HOME/bin:$PATH" >> ~/.bashrc',
  'sudo systemctl restart docker || true',
  'git clone https://github.com/ray-project/ray.git',
  "python -c 'import ray; print(ray.__version__)'",
];

/** Credential contexts: `{ID}` / `{SECRET}` (AWS), `{GH}` (GitHub token), `{PW}` (password) are replaced by synthetic values. */
export const CREDENTIAL_COMMANDS = [
  'export AWS_ACCESS_KEY_ID={ID}',
  'export AWS_SECRET_ACCESS_KEY={SECRET}',
  'export AWS_ACCESS_KEY_ID={ID} AWS_SECRET_ACCESS_KEY={SECRET}',
  'aws configure set aws_secret_access_key {SECRET}',
  'aws configure set aws_access_key_id {ID} && aws configure set aws_secret_access_key {SECRET}',
  "echo 'export AWS_SECRET_ACCESS_KEY={SECRET}' >> ~/.bashrc",
  'echo "export AWS_ACCESS_KEY_ID={ID}" >> ~/.bashrc',
  'AWS_ACCESS_KEY_ID={ID} AWS_SECRET_ACCESS_KEY={SECRET} ray start --head --port=6379',
  'export AWS_SECRET_ACCESS_KEY={SECRET}; pip install boto3',
  'env AWS_ACCESS_KEY_ID={ID} python train.py',
  'docker run -e AWS_SECRET_ACCESS_KEY={SECRET} -e AWS_DEFAULT_REGION=us-west-2 rayproject/ray:latest',
  'mkdir -p ~/.aws && aws configure set aws_access_key_id {ID}',
  // Secrets in URLs (a token as the user name, a password)
  'git clone https://{GH}@github.com/example/private-repo.git',
  'pip install --extra-index-url https://deploy:{PW}@pypi.example.com/simple my-package',
];

export const BENIGN_DOCKER_OPTIONS = ['--ulimit nofile=65536:65536', '--shm-size=8g', '-e AWS_DEFAULT_REGION=us-east-1', '--gpus all', '-e RAY_BACKEND_LOG_LEVEL=debug'];

/** Docker run options carrying credentials; an array is written as separate items. */
export const CREDENTIAL_DOCKER_OPTIONS: Array<string | string[]> = [
  '-e AWS_SECRET_ACCESS_KEY={SECRET}',
  '--env AWS_ACCESS_KEY_ID={ID}',
  ['-e', 'AWS_SECRET_ACCESS_KEY={SECRET}'],
  '-e AWS_ACCESS_KEY_ID={ID} -e AWS_SECRET_ACCESS_KEY={SECRET}',
  '-v ~/.aws:/root/.aws:ro',
  '--env=AWS_SECRET_ACCESS_KEY={SECRET}',
  ['-v', '~/.aws:/root/.aws'],
  '--shm-size=8g --volume=/home/ubuntu/.aws:/root/.aws',
];

export const FILE_MOUNTS: Array<[string, string]> = [
  ['~/.aws', '~/.aws'],
  ['/home/ubuntu/.aws/credentials', '~/.aws/credentials'],
  ['~/code', '.'],
  ['/tmp/data', './data'],
  ['/home/ray/.aws', '/Users/me/.aws'],
];

/** Extra top-level entries: Ray 1.x keys, unrelated keys Ray accepts, an unknown key. */
export const EXTRAS: Array<[string, YNode]> = [
  ['min_workers', { t: 'raw', v: '0' }],
  ['initial_workers', { t: 'raw', v: '1' }],
  ['autoscaling_mode', { t: 'str', v: 'default' }],
  ['target_utilization_fraction', { t: 'raw', v: '0.8' }],
  ['idle_timeout_minutes', { t: 'raw', v: '5' }],
  ['upscaling_speed', { t: 'raw', v: '1.0' }],
  ['rsync_exclude', { t: 'seq', items: [{ value: { t: 'str', v: '**/.git' } }, { value: { t: 'str', v: '**/.git/**' } }] }],
  ['team_notes', { t: 'str', v: 'owned by the data team' }],
  ['cluster_synced_files', { t: 'seq', items: [] }],
  ['cluster_synced_files', { t: 'seq', items: [{ value: { t: 'str', v: '~/.aws/credentials' } }, { value: { t: 'str', v: '/tmp/shared' } }] }],
  ['auth', { t: 'map', entries: [{ key: 'ssh_user', value: { t: 'str', v: 'ubuntu' } }] }],
];

const COMMENTS = [
  '# keep me',
  '# TODO: tune this',
  '#no space after the hash',
  '# head node settings',
  '# ----------------------------------------',
  '# see https://docs.ray.io/en/latest/cluster/vms/references/ray-cluster-configuration.html',
  '# credentials come from the instance profile',
  '#',
];

function profileValue(v: ProfileValueKind, nodeType: string): string {
  const n = nodeType.replace(/[^A-Za-z0-9+=,.@_-]/g, '-');
  switch (v) {
    case 'profile-arn':
      return `arn:aws:iam::${ACCOUNT}:instance-profile/${n}-profile`;
    case 'role-arn':
      return `arn:aws:iam::${ACCOUNT}:role/${n}-role`;
    case 'name':
      return `${n}-profile`;
    case 'default-name':
      return 'ray-autoscaler-v1';
    case 'default-arn':
      return `arn:aws:iam::${ACCOUNT}:instance-profile/ray-autoscaler-v1`;
    case 'placeholder':
      return 'arn:aws:iam::ACCOUNT_ID:instance-profile/ray-head';
    case 'other-partition':
      return `arn:aws-cn:iam::${ACCOUNT}:instance-profile/${n}-profile`;
  }
}

function profileEntry(p: ProfileSpec, nodeType: string): YEntry {
  const v = profileValue(p.value, nodeType);
  if (p.scalar) return { key: p.key, value: { t: 'str', v } };
  return { key: p.key, value: { t: 'map', entries: [{ key: p.inner, value: { t: 'str', v } }] } };
}

// ---------------------------------------------------------------------------------------------
// Spec → text
// ---------------------------------------------------------------------------------------------

class Builder {
  readonly planted: string[] = [];
  private readonly secretRng: Rng;
  private readonly rng: Rng;

  constructor(private readonly spec: ConfigSpec) {
    this.secretRng = makeRng(spec.secretSeed);
    this.rng = makeRng(spec.layoutSeed);
  }

  private chance(p: number): boolean {
    return p > 0 && this.rng() < p;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)];
  }

  /** Fills `{ID}` / `{SECRET}` / `{GH}` / `{PW}` with fresh synthetic values and remembers them. */
  fill(template: string): string {
    let out = template;
    if (out.includes('{ID}')) {
      const id = awsKeyId(this.secretRng, this.secretRng() < 0.8 ? 'AKIA' : 'ASIA');
      this.planted.push(id);
      out = out.replace(/\{ID\}/g, id);
    }
    if (out.includes('{GH}')) {
      const t = githubClassic(this.secretRng);
      this.planted.push(t);
      out = out.replace(/\{GH\}/g, t);
    }
    if (out.includes('{PW}')) {
      const pw = password(this.secretRng);
      this.planted.push(pw);
      out = out.replace(/\{PW\}/g, pw);
    }
    if (out.includes('{SECRET}')) {
      const s = awsSecret(this.secretRng);
      this.planted.push(s);
      out = out.replace(/\{SECRET\}/g, s);
    }
    return out;
  }

  str(v: string): YNode {
    const m = this.spec.quoteMode;
    const style: QuoteStyle = m === 'mixed' ? this.pick(['plain', 'plain', 'single', 'double'] as const) : m;
    return { t: 'str', v, style };
  }

  /** Maybe turns a collection into a flow one (then everything inside is flow as well). */
  flowMaybe(n: YNode): YNode {
    if ((n.t === 'map' || n.t === 'seq') && this.chance(this.spec.flowRate)) return { ...n, flow: true };
    return n;
  }

  comments(): string[] | undefined {
    if (!this.chance(this.spec.commentRate)) return undefined;
    return this.chance(0.3) ? [this.pick(COMMENTS), this.pick(COMMENTS)] : [this.pick(COMMENTS)];
  }

  trailing(): string | undefined {
    return this.chance(this.spec.commentRate) ? this.pick(COMMENTS) : undefined;
  }

  entry(keyName: string, value: YNode, keyStyle?: QuoteStyle): YEntry {
    return { key: keyName, value, before: this.comments(), trailing: this.trailing(), ...(keyStyle ? { keyStyle } : {}) };
  }

  item(value: YNode): YItem {
    return { value, before: this.comments(), trailing: this.trailing() };
  }

  command(c: CommandSpec): YNode {
    if (c.kind === 'benign') return this.str(BENIGN_COMMANDS[c.i % BENIGN_COMMANDS.length]);
    if (c.kind === 'cred') return this.str(this.fill(CREDENTIAL_COMMANDS[c.ctx % CREDENTIAL_COMMANDS.length]));
    const lines = c.lines.map((l) => (l.kind === 'benign' ? BENIGN_COMMANDS[l.i % BENIGN_COMMANDS.length] : this.fill(CREDENTIAL_COMMANDS[l.ctx % CREDENTIAL_COMMANDS.length])));
    return { t: 'literal', lines: lines.length ? lines : ['true'] };
  }

  commandList(items: CommandSpec[], flow: boolean): YNode {
    const seq: YNode = { t: 'seq', items: items.map((c) => this.item(this.command(c))) };
    return flow ? { ...seq, flow: true } : seq;
  }

  nodeType(nt: NodeTypeSpec): YEntry {
    const entries: YEntry[] = [];
    if (nt.workers) {
      entries.push(this.entry('min_workers', { t: 'raw', v: String(nt.workers[0]) }));
      entries.push(this.entry('max_workers', { t: 'raw', v: String(nt.workers[1]) }));
    }
    if (nt.resources !== 'none') {
      const r: YEntry[] = nt.resources === 'cpu' ? [{ key: 'CPU', value: { t: 'raw', v: '2' } }]
        : nt.resources === 'gpu' ? [{ key: 'CPU', value: { t: 'raw', v: '8' } }, { key: 'GPU', value: { t: 'raw', v: '1' } }] : [];
      entries.push(this.entry('resources', this.flowMaybe({ t: 'map', entries: r })));
    }
    if (nt.hasNodeConfig) {
      const nc: YEntry[] = [this.entry('InstanceType', this.str(nt.instanceType))];
      if (this.chance(0.5)) nc.push(this.entry('ImageId', this.str('ami-0a2363a9cff180a64')));
      if (nt.profile && nt.profile.where === 'node_config') {
        const e = profileEntry(nt.profile, nt.name);
        nc.push(this.entry(e.key, this.flowMaybe(e.value)));
      }
      if (nt.blockDevices) {
        nc.push(this.entry('BlockDeviceMappings', {
          t: 'seq',
          items: [this.item(this.flowMaybe({
            t: 'map',
            entries: [
              { key: 'DeviceName', value: this.str('/dev/sda1') },
              { key: 'Ebs', value: { t: 'map', entries: [{ key: 'VolumeSize', value: { t: 'raw', v: '140' } }, { key: 'VolumeType', value: this.str('gp3') }] } },
            ],
          }))],
        }));
      }
      if (this.chance(0.3)) nc.push(this.entry('InstanceMarketOptions', this.flowMaybe({ t: 'map', entries: [{ key: 'MarketType', value: this.str('spot') }] })));
      entries.push(this.entry('node_config', this.flowMaybe({ t: 'map', entries: nc })));
    }
    if (nt.profile && nt.profile.where === 'node_type') {
      const e = profileEntry(nt.profile, nt.name);
      entries.push(this.entry(e.key, this.flowMaybe(e.value)));
    }
    if (nt.commands) entries.push(this.entry('worker_setup_commands', this.commandList(nt.commands, false)));
    return this.entry(nt.name, { t: 'map', entries: entries.length ? entries : [{ key: 'resources', value: { t: 'raw', v: '{}' } }] }, this.spec.quoteMode === 'double' && this.chance(0.3) ? 'double' : undefined);
  }

  build(): YEntry[] {
    const s = this.spec;
    const top: YEntry[] = [];
    top.push(this.entry('cluster_name', this.str(s.clusterName)));
    top.push(this.entry('max_workers', { t: 'raw', v: '2' }));

    const prov: YEntry[] = [this.entry('type', this.str('aws')), this.entry('region', this.str(s.region))];
    if (s.providerExtra) prov.push(this.entry('cache_stopped_nodes', { t: 'raw', v: 'true' }));
    if (s.providerCredentials) {
      const creds: YEntry[] = [
        this.entry('aws_access_key_id', this.str(this.fill('{ID}'))),
        this.entry('aws_secret_access_key', this.str(this.fill('{SECRET}'))),
      ];
      if (s.providerCredentials.token) creds.push(this.entry('aws_session_token', this.str('FwoGZXIvYXdzE' + this.fill('{SECRET}'))));
      const m: YNode = { t: 'map', entries: creds, flow: s.providerCredentials.flow };
      prov.splice(Math.floor(this.rng() * (prov.length + 1)), 0, this.entry('aws_credentials', m));
    }
    if (s.providerProfile) {
      const e = profileEntry(s.providerProfile, 'provider');
      prov.push(this.entry(e.key, e.value));
    }
    top.push(this.entry('provider', this.flowMaybe({ t: 'map', entries: prov })));

    if (s.docker) {
      const opts: YItem[] = [];
      for (const o of s.docker.options) {
        if (o.kind === 'benign') opts.push(this.item(this.str(BENIGN_DOCKER_OPTIONS[o.i % BENIGN_DOCKER_OPTIONS.length])));
        else {
          const c = CREDENTIAL_DOCKER_OPTIONS[o.ctx % CREDENTIAL_DOCKER_OPTIONS.length];
          if (Array.isArray(c)) {
            const filled = this.fill(c.join('\u0000')).split('\u0000');
            for (const part of filled) opts.push(this.item(this.str(part)));
          } else opts.push(this.item(this.str(this.fill(c))));
        }
      }
      top.push(this.entry('docker', {
        t: 'map',
        entries: [
          this.entry('image', this.str('rayproject/ray-ml:latest-gpu')),
          this.entry('container_name', this.str('ray_container')),
          this.entry('pull_before_run', { t: 'raw', v: 'true' }),
          this.entry('run_options', { t: 'seq', items: opts, flow: s.docker.flowOptions }),
        ],
      }));
    }

    const headName = s.head.name;
    if (!s.noNodeTypes) {
      const ants = [this.nodeType(s.head), ...s.workers.map((w) => this.nodeType(w))];
      top.push(this.entry('available_node_types', { t: 'map', entries: ants }));
    }
    if (s.headNodeType === 'present') top.push(this.entry('head_node_type', this.str(headName)));
    if (s.headNodeType === 'dangling') top.push(this.entry('head_node_type', this.str('ray.head.missing')));

    if (s.legacy) {
      if (s.legacy.head) {
        const h: YEntry[] = [this.entry('InstanceType', this.str('m5.large')), this.entry('ImageId', this.str('ami-0b294f219d14e6a82'))];
        if (s.legacy.headProfile) {
          const e = profileEntry(s.legacy.headProfile, 'head');
          h.push(this.entry(e.key, this.flowMaybe(e.value)));
        }
        top.push(this.entry('head_node', this.flowMaybe({ t: 'map', entries: h })));
      }
      if (s.legacy.workers) {
        top.push(this.entry('worker_nodes', this.flowMaybe({
          t: 'map',
          entries: [this.entry('InstanceType', this.str('m5.large')), this.entry('InstanceMarketOptions', { t: 'map', entries: [{ key: 'MarketType', value: this.str('spot') }] })],
        })));
      }
    }

    if (s.fileMounts.length) {
      const fm = [...new Set(s.fileMounts.map((i) => i % FILE_MOUNTS.length))].map((i) =>
        this.entry(FILE_MOUNTS[i][0], this.str(FILE_MOUNTS[i][1]), this.spec.quoteMode === 'plain' ? undefined : this.pick(['plain', 'double', 'single'] as const)));
      top.push(this.entry('file_mounts', this.flowMaybe({ t: 'map', entries: fm })));
    }

    const seen = new Set<number>();
    for (const c of s.commands) {
      const sec = c.section % COMMAND_SECTIONS.length;
      if (seen.has(sec)) continue;
      seen.add(sec);
      top.push(this.entry(COMMAND_SECTIONS[sec], this.commandList(c.items, c.flow)));
    }

    const extraSeen = new Set<number>();
    for (const x of s.extras) {
      const i = x % EXTRAS.length;
      if (extraSeen.has(i)) continue;
      const [k, v] = EXTRAS[i];
      // Each key once (a duplicate key is RG101, not what these configs are about).
      if (top.some((e) => e.key === k)) continue;
      extraSeen.add(i);
      top.push(this.entry(k, v));
    }

    if (s.shuffleTop) {
      // Keep cluster_name first (as people do), shuffle the rest.
      const [first, ...rest] = top;
      for (let i = rest.length - 1; i > 0; i--) {
        const j = Math.floor(this.rng() * (i + 1));
        [rest[i], rest[j]] = [rest[j], rest[i]];
      }
      return [first, ...rest];
    }
    return top;
  }
}

export function renderConfig(spec: ConfigSpec): GeneratedConfig {
  const b = new Builder(spec);
  const root = b.build();
  const text = renderYaml(root, { indent: spec.indent, seqIndented: spec.seqIndented }, spec.crlf ? '\r\n' : '\n', spec.finalNewline);
  const headType = spec.noNodeTypes ? 'ray.head.default' : spec.head.name;
  return { text, spec, headType, planted: b.planted };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

export const profileArb: fc.Arbitrary<ProfileSpec> = fc.record({
  key: fc.constantFrom<ProfileKey>('IamInstanceProfile', 'IamInstanceProfile', 'iamInstanceProfile', 'IAMInstanceProfile', 'iam_instance_profile'),
  inner: fc.constantFrom<ProfileInnerKey>('Arn', 'Arn', 'Name', 'arn', 'name'),
  value: fc.constantFrom<ProfileValueKind>('profile-arn', 'role-arn', 'name', 'default-name', 'default-arn', 'placeholder', 'other-partition'),
  scalar: fc.constantFrom(false, false, false, false, true),
  where: fc.constantFrom<'node_config' | 'node_type'>('node_config', 'node_config', 'node_type'),
});

/** A profile that is most often right: the head usually has one. */
const maybeProfile = fc.option(profileArb, { freq: 3 });

/** The head's profile: also, often, Ray's broad default profile written out. */
const headProfile = fc.option(fc.oneof(
  { weight: 3, arbitrary: profileArb },
  {
    weight: 1,
    arbitrary: fc.record({
      key: fc.constant<ProfileKey>('IamInstanceProfile'),
      inner: fc.constantFrom<ProfileInnerKey>('Arn', 'Name'),
      value: fc.constantFrom<ProfileValueKind>('default-name', 'default-arn'),
      scalar: fc.constant(false),
      where: fc.constant<'node_config' | 'node_type'>('node_config'),
    }),
  },
), { freq: 3 });

const commandArb: fc.Arbitrary<CommandSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: BENIGN_COMMANDS.length - 1 }).map((i) => ({ kind: 'benign' as const, i })) },
  { weight: 3, arbitrary: fc.nat({ max: CREDENTIAL_COMMANDS.length - 1 }).map((ctx) => ({ kind: 'cred' as const, ctx })) },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.oneof(
        fc.nat({ max: BENIGN_COMMANDS.length - 1 }).map((i) => ({ kind: 'benign' as const, i })),
        fc.nat({ max: CREDENTIAL_COMMANDS.length - 1 }).map((ctx) => ({ kind: 'cred' as const, ctx })),
      ),
      { minLength: 1, maxLength: 3 },
    ).map((lines) => ({ kind: 'literal' as const, lines })),
  },
);

const HEAD_NAMES = ['ray.head.default', 'head', 'ray-head', 'cpu_head'];
const WORKER_NAMES = ['ray.worker.default', 'ray.worker.gpu', 'cpu_worker', 'spot-workers', 'worker'];
const INSTANCE_TYPES = ['m5.large', 'm5.2xlarge', 'p3.2xlarge', 'c5.4xlarge', 'g4dn.xlarge'];

function nodeTypeArb(names: string[], head: boolean): fc.Arbitrary<NodeTypeSpec> {
  return fc.record({
    name: fc.constantFrom(...names),
    instanceType: fc.constantFrom(...INSTANCE_TYPES),
    profile: head ? headProfile : maybeProfile,
    hasNodeConfig: fc.constantFrom(true, true, true, true, false),
    blockDevices: fc.boolean(),
    resources: fc.constantFrom<NodeTypeSpec['resources']>('empty', 'cpu', 'gpu', 'none'),
    workers: head ? fc.constant(null) : fc.option(fc.tuple(fc.nat({ max: 2 }), fc.integer({ min: 2, max: 10 }))),
    commands: head ? fc.constant(null) : fc.option(fc.array(commandArb, { minLength: 1, maxLength: 3 }), { freq: 6 }),
  });
}

export const configSpecArb: fc.Arbitrary<ConfigSpec> = fc.record({
  clusterName: fc.constantFrom('default', 'ml-training', 'gpu_cluster', 'test-123'),
  region: fc.constantFrom('us-west-2', 'us-east-1', 'eu-central-1'),
  head: nodeTypeArb(HEAD_NAMES, true),
  workers: fc.uniqueArray(nodeTypeArb(WORKER_NAMES, false), { maxLength: 3, selector: (w) => w.name }),
  headNodeType: fc.constantFrom<ConfigSpec['headNodeType']>('present', 'present', 'present', 'absent', 'dangling'),
  noNodeTypes: fc.constantFrom(false, false, false, false, true),
  providerCredentials: fc.option(fc.record({ token: fc.boolean(), flow: fc.boolean() }), { freq: 3 }),
  providerProfile: fc.option(profileArb, { freq: 6 }),
  providerExtra: fc.boolean(),
  docker: fc.option(fc.record({
    options: fc.array(fc.oneof(
      fc.nat({ max: BENIGN_DOCKER_OPTIONS.length - 1 }).map((i) => ({ kind: 'benign' as const, i })),
      fc.nat({ max: CREDENTIAL_DOCKER_OPTIONS.length - 1 }).map((ctx) => ({ kind: 'cred' as const, ctx })),
    ), { maxLength: 4 }),
    flowOptions: fc.boolean(),
  }), { freq: 2 }),
  fileMounts: fc.array(fc.nat({ max: FILE_MOUNTS.length - 1 }), { maxLength: 3 }),
  commands: fc.array(fc.record({
    section: fc.nat({ max: COMMAND_SECTIONS.length - 1 }),
    items: fc.array(commandArb, { maxLength: 5 }),
    flow: fc.constantFrom(false, false, false, true),
  }), { maxLength: 4 }),
  legacy: fc.option(fc.record({
    head: fc.boolean(),
    workers: fc.boolean(),
    headProfile: fc.option(profileArb),
    withNodeTypes: fc.boolean(),
  }), { freq: 4 }),
  extras: fc.array(fc.nat({ max: EXTRAS.length - 1 }), { maxLength: 3 }),
  indent: fc.constantFrom<2 | 4>(2, 4),
  seqIndented: fc.boolean(),
  crlf: fc.boolean(),
  finalNewline: fc.constantFrom(true, true, true, false),
  quoteMode: fc.constantFrom<ConfigSpec['quoteMode']>('plain', 'mixed', 'single', 'double'),
  flowRate: fc.constantFrom<ConfigSpec['flowRate']>(0, 0.3, 1),
  commentRate: fc.constantFrom<ConfigSpec['commentRate']>(0, 0.2, 0.5),
  shuffleTop: fc.boolean(),
  layoutSeed: fc.nat(),
  secretSeed: fc.nat(),
}).map((s) => ({
  ...s,
  // Legacy sections replace the node types unless asked to keep both.
  noNodeTypes: s.noNodeTypes || (!!s.legacy && !s.legacy.withNodeTypes && (s.legacy.head || s.legacy.workers)),
  workers: s.workers.filter((w) => w.name !== s.head.name),
}));

/** Generated configs as text, with what was planted in them. */
export const configArb: fc.Arbitrary<GeneratedConfig> = configSpecArb.map(renderConfig);
