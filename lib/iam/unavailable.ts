import { IamUnavailableError, type IamInstanceProfile, type IamRolePolicies, type IamSource, type IamSourceInfo } from './types';

/**
 * A source that cannot answer (the live account without credentials, STS unreachable): every
 * lookup fails with one reason, so each profile's check becomes RG307 with it, and the report
 * still comes. Listing answers nothing (pickers show no profiles).
 */
export class UnavailableIamSource implements IamSource {
  constructor(
    private readonly meta: IamSourceInfo,
    readonly reason: string,
  ) {}

  info(): IamSourceInfo {
    return { ...this.meta };
  }

  private fail(): never {
    throw new IamUnavailableError(this.reason);
  }

  async getInstanceProfile(): Promise<IamInstanceProfile | null> {
    this.fail();
  }

  async listInstanceProfilesForRole(): Promise<IamInstanceProfile[] | null> {
    this.fail();
  }

  async listInstanceProfiles(): Promise<IamInstanceProfile[]> {
    return [];
  }

  async listAttachedPolicies(): Promise<Array<{ name: string; arn: string }> | null> {
    this.fail();
  }

  async getRolePolicies(): Promise<IamRolePolicies | null> {
    this.fail();
  }
}
