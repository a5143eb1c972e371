/**
 * A local IAM/STS for integration tests and benchmarks: moto's standalone server
 * (`python3 -m moto.server`), on a free loopback port, one process per caller.
 *
 *   const moto = await startMoto();          // resolves once the server answers
 *   ... point the SDK at moto.endpoint ...
 *   await moto.reset();                      // wipe all state (POST /moto-api/reset)
 *   await moto.stop();
 *
 * moto accepts any credentials (it does not check signatures unless started in auth mode), so the
 * SDK only needs some: `useDummyAwsEnv()` sets the conventional dummy values (the literal string
 * 'testing'), turns the EC2 metadata lookup off and sets a region, and gives back a function that
 * restores the previous environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';

export interface Moto {
  /** `http://127.0.0.1:<port>`: IAM, STS and every other service moto serves. */
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** Wipes all of moto's state (every account, every service). */
  reset(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Extra environment for the server (e.g. INITIAL_NO_AUTH_ACTION_COUNT, MOTO_ACCOUNT_ID). */
  env?: Record<string, string>;
  /** How long to wait for the server to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** Python interpreter. Default `python3`. */
  python?: string;
}

/** The dummy credentials moto is happy with. Not key-shaped on purpose (the repo runs a secret scanner). */
export const DUMMY_AWS_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Keys that would let the SDK pick up something other than the dummy credentials. */
const CREDENTIAL_ENV_KEYS = [
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_IAM',
  'AWS_ENDPOINT_URL_STS',
];

/** Sets the dummy AWS environment in this process; returns a function restoring the previous one. */
export function useDummyAwsEnv(extra: Record<string, string | undefined> = {}): () => void {
  const wanted: Record<string, string | undefined> = { ...DUMMY_AWS_ENV, ...extra };
  for (const k of CREDENTIAL_ENV_KEYS) if (!(k in wanted)) wanted[k] = undefined;
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(wanted)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Servers still running in this process, stopped if the process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function startOnce(opts: StartMotoOptions): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(opts.python ?? 'python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...DUMMY_AWS_ENV, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  installExitHook();

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    // Keep the tail only: moto logs every request there.
    stderr = (stderr + d).slice(-4000);
  });
  let exited: number | null | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = code;
      running.delete(child);
      resolve();
    });
  });
  child.once('error', (e) => {
    stderr += `\n${e.message}`;
  });

  const stop = async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitedPromise;
    clearTimeout(killer);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw Object.assign(new Error(`moto exited (code ${exited}) before answering on ${endpoint}:\n${stderr.trim()}`), {
        addressInUse: /address already in use/i.test(stderr),
      });
    }
    if (await answers(endpoint)) {
      return {
        endpoint,
        port,
        pid: child.pid,
        stop,
        async reset() {
          const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`moto reset answered HTTP ${res.status}`);
        },
      };
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`moto did not answer on ${endpoint} within ${opts.startTimeoutMs ?? 30_000} ms:\n${stderr.trim()}`);
}

/**
 * Starts moto on a free loopback port and waits until it answers. Fails with a clear message when
 * python3 or moto is missing.
 */
export async function startMoto(opts: StartMotoOptions = {}): Promise<Moto> {
  let lastError: unknown;
  // The port is free when picked, but another process may take it before moto binds: try again.
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      lastError = e;
      if (!(e as { addressInUse?: boolean }).addressInUse) break;
    }
  }
  const msg = lastError instanceof Error ? lastError.message : String(lastError);
  if (/No module named moto/i.test(msg) || /ENOENT/.test(msg)) {
    throw new Error(`cannot start moto: \`${opts.python ?? 'python3'} -m moto.server\` is not available (${msg.split('\n').pop()})`);
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------
// Seeding moto through the SDK (straight to moto, not through a proxy, so proxy counts stay clean)

/**
 * An IAM client for seeding moto. `accountId` selects another moto account (moto reads the
 * x-moto-account-id header); default 123456789012.
 */
export function motoIamClient(endpoint: string, accountId?: string): IAMClient {
  const client = new IAMClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  if (accountId) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { headers?: Record<string, string> };
        if (req.headers) req.headers['x-moto-account-id'] = accountId;
        return next(args);
      },
      { step: 'build', name: 'motoAccountHeader' },
    );
  }
  return client;
}

type Doc = Record<string, unknown>;

export const trustFor = (service: string): Doc => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
});
export const EC2_TRUST = trustFor('ec2.amazonaws.com');

export async function seedManagedPolicy(iam: IAMClient, name: string, doc: Doc, path = '/'): Promise<string> {
  const out = await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: JSON.stringify(doc) }));
  return out.Policy!.Arn!;
}

export interface SeedRole {
  name: string;
  path?: string;
  trust?: Doc;
  inline?: Record<string, Doc>;
  managedArns?: string[];
  boundaryArn?: string;
}

/** Creates a role with its inline and attached policies and boundary; returns its ARN. */
export async function seedRole(iam: IAMClient, r: SeedRole): Promise<string> {
  const out = await iam.send(
    new CreateRoleCommand({
      RoleName: r.name,
      Path: r.path ?? '/',
      AssumeRolePolicyDocument: JSON.stringify(r.trust ?? EC2_TRUST),
      ...(r.boundaryArn ? { PermissionsBoundary: r.boundaryArn } : {}),
    }),
  );
  for (const [name, doc] of Object.entries(r.inline ?? {})) {
    await iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
  }
  for (const arn of r.managedArns ?? []) await iam.send(new AttachRolePolicyCommand({ RoleName: r.name, PolicyArn: arn }));
  return out.Role!.Arn!;
}

/** Creates an instance profile, with the role in it when given; returns its ARN. */
export async function seedProfile(iam: IAMClient, name: string, opts: { path?: string; role?: string } = {}): Promise<string> {
  const out = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: opts.path ?? '/' }));
  if (opts.role) await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: opts.role }));
  return out.InstanceProfile!.Arn!;
}
