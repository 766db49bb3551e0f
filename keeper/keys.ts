// The keeper's signing key: from an environment variable or an encrypted keystore file (Web3
// Secret Storage v3), never from a command-line flag, which any user can read in `ps`.
import { readFileSync } from "node:fs";
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
// OpenSSL refuses common keystore parameters (N = 2^18 with r = 1), so scrypt comes from noble.
import { scrypt } from "@noble/hashes/scrypt";
import { keccak256, concat, toHex, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";

export class KeyError extends Error {}

interface KeystoreV3 {
  version: number;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: { dklen: number; salt: string; n?: number; r?: number; p?: number; c?: number; prf?: string };
    mac: string;
  };
}

export function decryptKeystore(json: string, password: string, source = "keystore"): Hex {
  let ks: KeystoreV3;
  try {
    ks = JSON.parse(json);
  } catch {
    throw new KeyError(`${source}: not valid JSON`);
  }
  const c = ks.crypto ?? (ks as unknown as { Crypto: KeystoreV3["crypto"] }).Crypto;
  if (ks.version !== 3 || !c) throw new KeyError(`${source}: not a version 3 keystore`);
  if (c.cipher !== "aes-128-ctr") throw new KeyError(`${source}: cipher ${c.cipher} is not supported (aes-128-ctr is)`);
  const salt = Buffer.from(c.kdfparams.salt, "hex");
  let derived: Buffer;
  if (c.kdf === "scrypt") {
    const { n = 262144, r = 8, p = 1, dklen } = c.kdfparams;
    derived = Buffer.from(scrypt(password, salt, { N: n, r, p, dkLen: dklen, maxmem: 2 ** 31 }));
  } else if (c.kdf === "pbkdf2") {
    if (c.kdfparams.prf !== "hmac-sha256") throw new KeyError(`${source}: pbkdf2 prf ${c.kdfparams.prf} is not supported`);
    derived = pbkdf2Sync(password, salt, c.kdfparams.c ?? 262144, c.kdfparams.dklen, "sha256");
  } else {
    throw new KeyError(`${source}: kdf ${String(c.kdf)} is not supported`);
  }
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  const mac = keccak256(concat([toHex(derived.subarray(16, 32)), toHex(ciphertext)]));
  const expected = Buffer.from(c.mac.replace(/^0x/, ""), "hex");
  if (expected.length !== 32 || !timingSafeEqual(Buffer.from(mac.slice(2), "hex"), expected)) {
    throw new KeyError(`${source}: wrong password (MAC mismatch)`);
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), Buffer.from(c.cipherparams.iv, "hex"));
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return toHex(key);
}

/**
 * Encrypts a key into a version 3 keystore (the format geth, foundry's `cast wallet` and clef use),
 * so an operator can keep the key on disk only encrypted. Standard scrypt parameters by default.
 */
export function encryptKeystore(key: Hex, password: string, options: { kdf?: "scrypt" | "pbkdf2"; n?: number; c?: number } = {}): Record<string, unknown> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdf = options.kdf ?? "scrypt";
  const kdfparams =
    kdf === "scrypt"
      ? { dklen: 32, n: options.n ?? 262144, r: 8, p: 1, salt: salt.toString("hex") }
      : { dklen: 32, c: options.c ?? 262144, prf: "hmac-sha256", salt: salt.toString("hex") };
  const derived =
    kdf === "scrypt"
      ? Buffer.from(scrypt(password, salt, { N: kdfparams.n!, r: 8, p: 1, dkLen: 32, maxmem: 2 ** 31 }))
      : pbkdf2Sync(password, salt, kdfparams.c!, 32, "sha256");
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(key.slice(2), "hex")), cipher.final()]);
  const mac = keccak256(concat([toHex(derived.subarray(16, 32)), toHex(ciphertext)])).slice(2);
  return {
    version: 3, id: randomUUID(), address: privateKeyToAddress(key).slice(2).toLowerCase(),
    crypto: { cipher: "aes-128-ctr", cipherparams: { iv: iv.toString("hex") }, ciphertext: ciphertext.toString("hex"), kdf, kdfparams, mac },
  };
}

/**
 * Resolves the key from, in order: `PROVENFEE_PRIVATE_KEY`, or a keystore file (path from the
 * config or `PROVENFEE_KEYSTORE`) with its password in `PROVENFEE_KEYSTORE_PASSWORD`.
 */
export function resolvePrivateKey(env: NodeJS.ProcessEnv, keystorePath?: string): Hex {
  const raw = env.PROVENFEE_PRIVATE_KEY?.trim();
  if (raw) {
    const key = raw.startsWith("0x") ? raw : `0x${raw}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeyError("PROVENFEE_PRIVATE_KEY: not a 32-byte hex private key");
    return key as Hex;
  }
  const path = keystorePath ?? env.PROVENFEE_KEYSTORE;
  if (path) {
    const password = env.PROVENFEE_KEYSTORE_PASSWORD;
    if (password === undefined) throw new KeyError(`${path}: set PROVENFEE_KEYSTORE_PASSWORD to unlock the keystore`);
    let json: string;
    try {
      json = readFileSync(path, "utf8");
    } catch (e) {
      throw new KeyError(`${path}: cannot read keystore (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return decryptKeystore(json, password, path);
  }
  throw new KeyError("no signing key: set PROVENFEE_PRIVATE_KEY, or PROVENFEE_KEYSTORE and PROVENFEE_KEYSTORE_PASSWORD");
}
