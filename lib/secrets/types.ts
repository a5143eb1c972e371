/** Credential kinds; the values are those of shared/corpus/secrets/README.md. */
export type SecretKind =
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'aws-session-token'
  | 'private-key'
  | 'github-token'
  | 'slack-webhook'
  | 'slack-token'
  | 'gcp-service-account-key'
  | 'generic-password'
  | 'huggingface-token'
  | 'wandb-api-key'
  | 'azure-storage-key';

/** One detected credential in the source text. */
export interface SecretHit {
  kind: SecretKind;
  /** UTF-16 offset of the first character of the secret in the source text (not the key name before it). */
  start: number;
  /** UTF-16 offset just past the secret's last character (on its last line for multi-line secrets). */
  end: number;
  /**
   * The credential itself (re-joined when split across lines, decoded when encoded). Used only
   * to build a masked preview and, for AWS key ids, the account id. Never printed.
   */
  value: string;
}
