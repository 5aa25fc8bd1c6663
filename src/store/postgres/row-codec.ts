import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { GhlAuthError } from '../../errors.js';
import { storedTokensSchema, type StoredTokens } from '../../tokens/stored-tokens.js';

/** Marks an encrypted value: `enc:v1:` then base64 of IV (12 bytes), tag (16 bytes), ciphertext. */
const PREFIX = 'enc:v1:';
const SECRET_FIELDS = ['access_token', 'refresh_token'] as const;

/**
 * The row of one connection: GHL_CLIENT_ID and GHL_LOCATION_ID (either may be unset), so every host
 * configured for the same app and location shares one row, whatever the tokens in it say.
 */
export const connectionKeyOf = (config: Pick<Config, 'clientId' | 'locationId'>) => `${config.clientId ?? ''}/${config.locationId ?? ''}`;

/**
 * The session-level advisory lock of a connection: schema and key hashed to a signed 64-bit integer.
 * Advisory locks are database-wide, so the schema is part of it: two schemas never wait for each other.
 */
export const lockKeyOf = (schema: string, key: string) => createHash('sha256').update(`${schema}\n${key}`).digest().readBigInt64BE(0).toString();

/**
 * Between StoredTokens and the row's jsonb. With GHL_TOKEN_KEY, the access and refresh tokens are
 * AES-256-GCM encrypted, each with its own random IV and the connection key as additional data, so a
 * value copied into another connection's row does not decrypt.
 */
export class RowCodec {
  private readonly key: Buffer | undefined;

  constructor(
    tokenKey: string | undefined,
    private readonly connectionKey: string,
    private readonly shown: string,
  ) {
    this.key = tokenKey === undefined ? undefined : Buffer.from(tokenKey, 'base64');
  }

  encode(stored: StoredTokens): StoredTokens {
    const key = this.key;
    if (!key) return stored;
    const token = { ...stored.token };
    for (const field of SECRET_FIELDS) token[field] = this.seal(key, token[field]);
    return { ...stored, token };
  }

  decode(row: unknown): StoredTokens {
    const value = row as StoredTokens;
    const token = { ...value?.token };
    for (const field of SECRET_FIELDS) {
      const text = token[field];
      if (typeof text === 'string' && text.startsWith(PREFIX)) token[field] = this.open(text);
    }
    const parsed = storedTokensSchema.safeParse({ ...value, token });
    if (!parsed.success) throw new GhlAuthError('token_file_unreadable', `the row ${this.connectionKey} in ${this.shown} is not a ghl-auth token pair (edited by hand?): fix or replace it (ghl-auth tokens import --force FILE)`);
    return parsed.data;
  }

  private seal(key: Buffer, plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(this.connectionKey));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  private open(text: string): string {
    if (!this.key) throw new GhlAuthError('configuration', `the tokens in ${this.shown} are encrypted: set GHL_TOKEN_KEY to the key they were saved with; nothing was sent to GHL`);
    const bytes = Buffer.from(text.slice(PREFIX.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12)).setAAD(Buffer.from(this.connectionKey));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new GhlAuthError('configuration', `GHL_TOKEN_KEY does not decrypt the tokens in ${this.shown} (another key, or the row of another connection): set the key they were saved with; nothing was sent to GHL`, { cause: error });
    }
  }
}
