/**
 * How the server picks its IAM source from the environment (lib/server/iam-source.ts): live when
 * the SDK finds credentials (here: moto through AWS_ENDPOINT_URL_IAM/STS), else the demo account
 * with a note saying why; misconfiguration is a 503 that says what is wrong.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSource, IamConfigError } from '../../lib/server/iam-source';
import { analyze } from '../../lib/validate';
import { rayConfig } from '../helpers/gaad';
import { startMoto, useDummyAwsEnv, type Moto } from '../helpers/moto';

const dir = mkdtempSync(path.join(tmpdir(), 'rayguard-iam-env-'));
const noCredentials = {
  AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined,
  AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
};

async function configError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IamConfigError);
    expect((e as IamConfigError).status).toBe(503);
    return (e as Error).message;
  }
  throw new Error('expected an IamConfigError');
}

describe('without credentials', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = useDummyAwsEnv(noCredentials);
  });
  afterAll(() => restore());

  it('auto falls back to the demo account and says why', async () => {
    const s = await chooseSource({});
    expect(s.info()).toMatchObject({ kind: 'demo', accountId: '314159265358' });
    expect(s.info().note).toMatch(/no AWS credentials found.*demo account/);
  });

  it('RAYGUARD_IAM=live without credentials: every profile is RG307 with the reason', async () => {
    const s = await chooseSource({ RAYGUARD_IAM: 'live' });
    expect(s.info().kind).toBe('live');
    const f = (await analyze(rayConfig({ head: 'head', workers: { w: 'worker' } }), { iam: s })).findings.filter((x) => x.ruleId.startsWith('RG3'));
    expect(f.map((x) => x.ruleId)).toEqual(['RG307', 'RG307']);
    expect(f[0].message).toMatch(/^Not verified: no AWS credentials found/);
  });

  it('demo and snapshot on request; a snapshot that is missing or not GAAD is a 503 naming the file', async () => {
    expect((await chooseSource({ RAYGUARD_IAM: 'demo' })).info()).toMatchObject({ kind: 'demo' });
    expect((await chooseSource({ RAYGUARD_IAM: 'demo' })).info().note).toBeUndefined();
    const good = path.join(dir, 'gaad.json');
    writeFileSync(good, JSON.stringify({ RoleDetailList: [], SnapshotInfo: { AccountId: '111122223333', Partition: 'aws' } }));
    expect((await chooseSource({ RAYGUARD_IAM_SNAPSHOT: good })).info()).toMatchObject({ kind: 'snapshot', label: 'gaad.json', accountId: '111122223333' });
    expect(await configError(chooseSource({ RAYGUARD_IAM: 'snapshot' }))).toMatch(/RAYGUARD_IAM=snapshot needs RAYGUARD_IAM_SNAPSHOT/);
    expect(await configError(chooseSource({ RAYGUARD_IAM_SNAPSHOT: path.join(dir, 'nope.json') }))).toMatch(/cannot read nope\.json \(ENOENT\)/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2]');
    expect(await configError(chooseSource({ RAYGUARD_IAM_SNAPSHOT: bad }))).toMatch(/bad\.json: an IAM snapshot is a JSON object/);
  });

  it.each([
    [{ RAYGUARD_IAM: 'cloud' }, /RAYGUARD_IAM must be auto, live, snapshot or demo/],
    [{ RAYGUARD_ASSUME_ROLES: '{' }, /RAYGUARD_ASSUME_ROLES is not valid JSON/],
    [{ RAYGUARD_ASSUME_ROLES: '{"12": {"roleArn": "x"}}' }, /needs a 12-digit account id and a role ARN/],
    [{ RAYGUARD_IAM_TIMEOUT_MS: 'soon' }, /RAYGUARD_IAM_TIMEOUT_MS must be a whole number/],
    [{ RAYGUARD_IAM_RETRY_MODE: 'eager' }, /RAYGUARD_IAM_RETRY_MODE must be standard or adaptive/],
  ])('misconfiguration %o is a 503 that says what is wrong', async (env, message) => {
    expect(await configError(chooseSource(env))).toMatch(message);
  });
});

describe('with credentials (moto through the standard endpoint variables)', () => {
  let moto: Moto;
  let restore: () => void;
  beforeAll(async () => {
    moto = await startMoto();
    restore = useDummyAwsEnv({ AWS_ENDPOINT_URL_IAM: moto.endpoint, AWS_ENDPOINT_URL_STS: moto.endpoint });
  }, 60_000);
  afterAll(async () => {
    restore();
    await moto.stop();
  });

  it('auto uses the live account', async () => {
    const s = await chooseSource({ RAYGUARD_IAM_TIMEOUT_MS: '3000', RAYGUARD_IAM_CACHE_SECONDS: '5' });
    expect(s.info()).toMatchObject({ kind: 'live', accountId: '123456789012', partition: 'aws' });
    expect(s.info().note).toBeUndefined();
    const f = (await analyze(rayConfig({ head: 'nope' }), { iam: s })).findings.filter((x) => x.ruleId.startsWith('RG3'));
    expect(f.map((x) => x.ruleId)).toEqual(['RG301']);
  });
});
