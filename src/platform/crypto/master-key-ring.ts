import { SecretBox } from './secret-box.js';

export interface WrapContext {
  readonly tenantId: string;
  readonly version: number;
}

/**
 * What protects the workspaces' data keys (ADR 0036). The local ring below derives its key from SECRET_KEY
 * (SECRET_KEY_PREVIOUS still opens older wraps); a KMS implements the same three calls. A wrap is bound to
 * its workspace and key version: a wrapped key copied to another workspace's row does not unwrap.
 */
export interface MasterKeyRing {
  wrap(dataKey: Buffer, context: WrapContext): Promise<string>;
  unwrap(wrapped: string, context: WrapContext): Promise<Buffer>;
  /** True when the wrap is under a retired master key, so it should be wrapped again with the current one. */
  isStale(wrapped: string): boolean;
}

export class LocalMasterKeyRing implements MasterKeyRing {
  private readonly box: SecretBox;

  constructor(secretKey: string, previousSecretKeys: readonly string[] = []) {
    this.box = new SecretBox(secretKey, 'workspace-data-key', previousSecretKeys);
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<string> {
    if (dataKey.length !== 32) throw new Error('a data key is 256 bits');
    return this.box.seal(
      JSON.stringify({
        t: context.tenantId.toLowerCase(),
        v: context.version,
        k: dataKey.toString('base64'),
      }),
    );
  }

  async unwrap(wrapped: string, context: WrapContext): Promise<Buffer> {
    const opened = JSON.parse(this.box.open(wrapped)) as { t?: unknown; v?: unknown; k?: unknown };
    if (
      opened.t !== context.tenantId.toLowerCase() ||
      opened.v !== context.version ||
      typeof opened.k !== 'string'
    ) {
      throw new Error('wrapped data key belongs to another workspace or version');
    }
    const key = Buffer.from(opened.k, 'base64');
    if (key.length !== 32) throw new Error('wrapped data key is not 256 bits');
    return key;
  }

  isStale(wrapped: string): boolean {
    return this.box.isStale(wrapped);
  }
}
