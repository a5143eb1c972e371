/**
 * `npx tsx scripts/bench-iam.ts`: what the live IAM source costs for one config check.
 *
 * Starts moto (python3 -m moto.server) behind the counting fault proxy with a fixed latency added
 * to every IAM/STS request (default 50 ms, like a far-away API), seeds a 10-node-type config's
 * worth of instance profiles (one head with inline + managed policies and a boundary, nine
 * workers), then runs the lookups such a config needs:
 *
 *   getInstanceProfile x10, getRolePolicies(head role), simulate(head role, the Ray actions)
 *
 * cold (fresh source: empty cache) and warm (same source, within the TTL), once in the order the
 * checks run them (one after the other) and once all at once. It prints the SDK calls sent, the
 * HTTP requests the proxy saw, p50/p95 latency per lookup, the wall time, and warm/cold ratios.
 *
 * A benchmark: it asserts nothing and exits 0 whatever the figures are.
 * Environment: BENCH_LATENCY_MS (default 50), BENCH_ROUNDS (default 3; the median round is shown).
 */
import { performance } from 'node:perf_hooks';
import { createLiveIamSource, type LiveIamSource } from '../lib/iam/live';
import type { SimulationQuestion } from '../lib/iam/types';
import { iamReport } from '../lib/iam/report';
import { contextOf } from '../lib/validate';
import { startFaultProxy, type FaultProxy } from '../tests/helpers/fault-proxy';
import { motoIamClient, seedManagedPolicy, seedProfile, seedRole, startMoto, useDummyAwsEnv } from '../tests/helpers/moto';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const NODE_TYPES = 10;

const profileName = (i: number) => (i === 0 ? 'bench-head-profile' : `bench-worker-${i}-profile`);
const roleName = (i: number) => (i === 0 ? 'bench-head-role' : `bench-worker-${i}-role`);

async function seed(endpoint: string): Promise<{ headRoleArn: string; workerRoleArn: string }> {
  const iam = motoIamClient(endpoint);
  const boundary = await seedManagedPolicy(iam, 'bench-boundary', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'iam:PassRole'], Resource: '*' }],
  });
  let workerRoleArn = '';
  for (let i = 1; i < NODE_TYPES; i++) {
    const arn = await seedRole(iam, { name: roleName(i) });
    if (i === 1) workerRoleArn = arn;
    await seedProfile(iam, profileName(i), { role: roleName(i) });
  }
  const autoscaler = await seedManagedPolicy(iam, 'bench-autoscaler', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CreateTags', 'ec2:Describe*'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: workerRoleArn },
    ],
  });
  const s3 = await seedManagedPolicy(iam, 'bench-s3', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
  const headRoleArn = await seedRole(iam, {
    name: roleName(0),
    boundaryArn: boundary,
    managedArns: [autoscaler, s3],
    inline: {
      'bench-inline': {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/ray-cluster-name': 'bench' } } }],
      },
    },
  });
  await seedProfile(iam, profileName(0), { role: roleName(0) });
  return { headRoleArn, workerRoleArn };
}

interface Round {
  wallMs: number;
  latencies: number[];
  sdkCalls: number;
  httpRequests: number;
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The lookups of one config check, timed one by one. */
async function check(src: LiveIamSource, proxy: FaultProxy, roles: { headRoleArn: string; workerRoleArn: string }, parallel: boolean): Promise<Round> {
  const questions: SimulationQuestion[] = [
    { action: 'ec2:RunInstances', resource: '*' },
    { action: 'ec2:TerminateInstances', resource: '*' },
    { action: 'ec2:CreateTags', resource: '*' },
    { action: 'ec2:DescribeInstances', resource: '*' },
    { action: 'iam:PassRole', resource: roles.workerRoleArn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  ];
  const lookups: (() => Promise<unknown>)[] = [
    ...Array.from({ length: NODE_TYPES }, (_, i) => () => src.getInstanceProfile(profileName(i))),
    () => src.getRolePolicies(roleName(0)),
    () => src.simulate(roles.headRoleArn, questions),
  ];
  const timed = async (f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  src.resetStats();
  proxy.resetCounts();
  const t0 = performance.now();
  let latencies: number[];
  if (parallel) latencies = await Promise.all(lookups.map(timed));
  else {
    latencies = [];
    for (const f of lookups) latencies.push(await timed(f));
  }
  const wallMs = performance.now() - t0;
  const sdkCalls = Object.values(src.stats().calls).reduce((a, b) => a + b, 0);
  return { wallMs, latencies, sdkCalls, httpRequests: proxy.total() };
}

/** The config those profiles belong to: one head, nine worker types. */
function benchConfig(): string {
  let t = 'cluster_name: bench\nprovider:\n  type: aws\n  region: us-west-2\navailable_node_types:\n';
  for (let i = 0; i < NODE_TYPES; i++) {
    t += `  type${i}:\n    resources: {}\n    node_config:\n      InstanceType: m5.large\n      IamInstanceProfile:\n        Name: ${profileName(i)}\n`;
  }
  return t + 'head_node_type: type0\n';
}

/** The whole IAM check of the config (lib/iam/report.ts), as the dashboard and the CLI run it. */
async function checkReport(src: LiveIamSource, proxy: FaultProxy): Promise<Round> {
  src.resetStats();
  proxy.resetCounts();
  const ctx = contextOf(benchConfig());
  const t0 = performance.now();
  await iamReport(ctx, src);
  const wallMs = performance.now() - t0;
  const sdkCalls = Object.values(src.stats().calls).reduce((a, b) => a + b, 0);
  return { wallMs, latencies: [wallMs], sdkCalls, httpRequests: proxy.total() };
}

function median(rounds: Round[]): Round {
  return [...rounds].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(rounds.length / 2)];
}

async function main() {
  const restoreEnv = useDummyAwsEnv();
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  try {
    const roles = await seed(moto.endpoint);
    proxy.inject('*', { kind: 'latency', ms: LATENCY_MS });

    console.log(`IAM live-source bench: moto + proxy adding ${LATENCY_MS} ms per request; ${NODE_TYPES} node types;`);
    console.log(`lookups per check: getInstanceProfile x${NODE_TYPES}, getRolePolicies(head), simulate(head, 5 questions).`);
    console.log(`median of ${ROUNDS} rounds; each cold round uses a fresh source (empty cache).`);
    console.log('"whole check" runs the IAM report of the 10-node-type config (lib/iam/report.ts); its p50/p95 is the check itself.\n');

    const rows: { mode: string; cold: Round; warm: Round }[] = [];
    for (const parallel of [false, true]) {
      const colds: Round[] = [];
      const warms: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const src = await createLiveIamSource({ endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint });
        colds.push(await check(src, proxy, roles, parallel));
        warms.push(await check(src, proxy, roles, parallel));
      }
      rows.push({ mode: parallel ? 'all at once' : 'one by one', cold: median(colds), warm: median(warms) });
    }
    {
      const colds: Round[] = [];
      const warms: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const src = await createLiveIamSource({ endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint });
        colds.push(await checkReport(src, proxy));
        warms.push(await checkReport(src, proxy));
      }
      rows.push({ mode: 'whole check', cold: median(colds), warm: median(warms) });
    }

    const header = ['mode', 'run', 'SDK calls', 'HTTP reqs', 'p50/lookup', 'p95/lookup', 'wall'];
    const lines: string[][] = [];
    for (const { mode, cold, warm } of rows) {
      for (const [run, r] of [['cold', cold], ['warm', warm]] as const) {
        lines.push([mode, run, String(r.sdkCalls), String(r.httpRequests), ms(quantile(r.latencies, 0.5)), ms(quantile(r.latencies, 0.95)), ms(r.wallMs)]);
      }
    }
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cols: string[]) => cols.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(fmt(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const l of lines) console.log(fmt(l));
    console.log('');
    for (const { mode, cold, warm } of rows) {
      const ratio = cold.wallMs > 0 ? warm.wallMs / cold.wallMs : 0;
      console.log(
        `${mode}: warm/cold wall = ${ratio.toFixed(4)} (${ms(warm.wallMs)} / ${ms(cold.wallMs)}); ` +
          `calls ${warm.sdkCalls}/${cold.sdkCalls}; budget for ${NODE_TYPES} profiles: <= ${4 * NODE_TYPES} calls cold, 0 warm`,
      );
    }
    const sample = await createLiveIamSource({ endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint });
    await sample.simulate(roles.headRoleArn, [{ action: 'ec2:RunInstances', resource: '*' }]);
    console.log(`\nsimulate on moto: ${sample.simulatorUnavailableReason() ?? 'available'} (asked once per source, then remembered)`);
  } finally {
    await proxy.close();
    await moto.stop();
    restoreEnv();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
