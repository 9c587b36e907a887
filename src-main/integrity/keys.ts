import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { MailtrailError } from '../contract/errors';

/**
 * The signing key of checkpoints: Ed25519 (node:crypto, no library), the private key as PKCS#8 PEM,
 * the public key as SPKI PEM beside it. A key id names a public key: the first 16 hex digits of
 * SHA-256 over its SPKI DER, so a checkpoint says which key signed it and verify finds that key.
 */
export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Writes `text` to a new file only: never over an existing key (`wx`), with `mode` where the OS has modes. */
function writeNewFile(file: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new MailtrailError('conflict', `${file} already exists; keygen never overwrites a key (a lost key cannot be made again): choose another --out`);
    throw new MailtrailError('bad_request', `cannot create ${file}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `mailtrail keygen --out FILE`: FILE (private, mode 0600) and FILE.pub; refuses to overwrite either. */
export function generateSigningKey(file: string): { keyId: string; privateFile: string; publicFile: string } {
  const publicFile = `${file}.pub`;
  for (const target of [file, publicFile]) {
    try {
      readFileSync(target);
      throw new MailtrailError('conflict', `${target} already exists; keygen never overwrites a key (a lost key cannot be made again): choose another --out`);
    } catch (error) {
      if (error instanceof MailtrailError) throw error;
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeNewFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  writeNewFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  return { keyId: keyIdOf(publicKey), privateFile: file, publicFile };
}

function readKeyFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new MailtrailError('bad_request', `cannot read the ${what} ${file}: ${reason}`);
  }
}

export function loadSigningKey(file: string): SigningKey {
  const text = readKeyFile(file, 'signing key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch {
    throw new MailtrailError('bad_request', `${file} is not a private key in PEM; make one with \`mailtrail keygen --out FILE\``);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new MailtrailError('bad_request', `${file} is a ${privateKey.asymmetricKeyType} key; seal signs with Ed25519 keys made by \`mailtrail keygen\``);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface PublicKey {
  keyId: string;
  key: KeyObject;
  pem: string;
}

export function parsePublicKey(pem: string, where: string): PublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new MailtrailError('bad_request', `${where} is not a public key in PEM (the FILE.pub that \`mailtrail keygen\` wrote)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new MailtrailError('bad_request', `${where} is a ${key.asymmetricKeyType} key, not an Ed25519 key`);
  return { keyId: keyIdOf(key), key, pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

export function loadPublicKey(file: string): PublicKey {
  return parsePublicKey(readKeyFile(file, 'public key'), file);
}

export const signBody = (body: string, key: SigningKey): Buffer => sign(null, Buffer.from(body, 'utf8'), key.privateKey);

export function signatureHolds(body: string, signature: Buffer, key: PublicKey): boolean {
  try {
    return verify(null, Buffer.from(body, 'utf8'), key.key, signature);
  } catch {
    return false;
  }
}
