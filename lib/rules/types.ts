import type { ConfigModel } from '../config/walk';
import type { ParsedConfig } from '../config/parse';
import type { FixId, Severity } from '../findings/types';
import type { SecretHit } from '../secrets/types';

/** A finding before positions are computed: offsets into the source text. */
export interface RawFinding {
  ruleId: string;
  start: number;
  end: number;
  message: string;
  yamlPath: string;
  /** Overrides the rule's default severity. */
  severity?: Severity;
  fix?: FixId;
  kind?: string;
  preview?: string;
  accountId?: string;
  /**
   * What makes this finding the same finding elsewhere (a credential's kind and value), for
   * baseline fingerprints only. In memory only: never copied into a Finding or any output.
   */
  identity?: string;
}

export interface RuleContext {
  parsed: ParsedConfig;
  /** Null when the text is not a YAML mapping (RG101 has been reported). */
  model: ConfigModel | null;
  secrets: SecretHit[];
  /** True when `provider.type` is aws (or absent); AWS-only rules look at it. */
  isAws: boolean;
}

/** A static rule: one module, its id in the catalogue (lib/findings/catalogue.ts). */
export interface StaticRule {
  ids: readonly string[];
  check(ctx: RuleContext): RawFinding[];
}
