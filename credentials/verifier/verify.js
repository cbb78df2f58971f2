// The browser's credentials.verification: the same inputs, limits, checks and reasons,
// so a phone offline reaches the verdict a hub or a centre would. Each function names
// the Python it follows; tests/vectors/verifier holds the vectors both must agree on.
//
// CBOR values: integers are BigInt, floats Number, byte strings Uint8Array, maps CborMap,
// tags {tag, value}, undefined the UNDEFINED symbol, simple values {simple}.

import { sha256 } from "./sha256.js";

export const UNDEFINED = Symbol("undefined");
export const PREFIX = "FC1:";
const MAX_INPUT_CHARS = 8192;
const MAX_QR_TEXT = 4296;
const MAX_LINK_TEXT = 7089 + 256;
const LINK = /^https?:\/\/[^/?#\t\n\v\f\r ]+\/v\/([0-9]*)$/i;
const BLOCK_BYTES = 7;
const BLOCK_DIGITS = 17;
const BYTES_FOR = new Map([[0, 0], [3, 1], [5, 2], [8, 3], [10, 4], [13, 5], [15, 6], [17, 7]]);
const MAX_SIGN1_BYTES = 4096;
const MAX_CERT_BYTES = 8192;
const MAX_TRUST_LIST_BYTES = 4 * 1024 * 1024;
const MAX_CLAIMS_BYTES = 1024;
const MAX_NUMERIC_DATE = 2n ** 37n;
const STATUS_MIN_BYTES = 16 * 1024;
const STATUS_MAX_BYTES = 2 ** 21;
const TAG_SIGN1 = 18n;
const ACCEPTED_ALGS = [-8n, -19n];
const TYP_NODE_CERT = "application/vnd.fieldcred.node-cert+cose";
const TYP_TRUST_LIST = "application/vnd.fieldcred.trust-list+cose";
const ROUTES = ["course", "prior_learning"];

/** An input that is not a well-formed object of the expected shape (MalformedInput). */
export class Malformed extends Error {
  kind = "MalformedInput";
}
/** Well-formed CBOR, but not its one deterministic encoding (NotDeterministic). */
class NotDeterministic extends Malformed {
  kind = "NotDeterministic";
}
class UnsupportedAlgorithm extends Error {
  kind = "UnsupportedAlgorithm";
}
/** A trust list or certificate refused: kind names the Python exception. */
export class TrustError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// ---- base45 (credentials.base45) ----

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

export function base45Decode(text) {
  if (text.length % 3 === 1) throw new Malformed("base45 text length leaves one character over");
  const values = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const value = ALPHABET.indexOf(text[i]);
    if (value < 0) throw new Malformed("not a base45 character");
    values[i] = value;
  }
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 ? 1 : 0));
  let o = 0;
  const whole = values.length - (values.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025;
    if (n > 0xffff) throw new Malformed("base45 triple exceeds two bytes");
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (whole < values.length) {
    const n = values[whole] + values[whole + 1] * 45;
    if (n > 0xff) throw new Malformed("base45 pair exceeds one byte");
    out[o++] = n;
  }
  return out;
}

// ---- CBOR (credentials.cbor.loads_untrusted, cbor2 with its limits) ----

let nanKeys = 0;

/** A key's identity under Python's equality: 1, 1.0, true and simple(1) are one key. */
function keyId(value) {
  switch (typeof value) {
    case "bigint":
      return "i" + value;
    case "boolean":
      return value ? "i1" : "i0";
    case "number":
      if (Number.isNaN(value)) return "nan" + nanKeys++;
      return Number.isInteger(value) ? "i" + BigInt(value) : "f" + value;
    case "string":
      return "s" + JSON.stringify(value);
    case "symbol":
      return "u";
  }
  if (value === null) return "n";
  if (value instanceof Uint8Array) return "b" + hex(value);
  if (Array.isArray(value)) return "a[" + value.map(keyId).join(",") + "]";
  if (value instanceof CborMap) {
    const items = [...value.entries()].map(([k, v]) => keyId(k) + ":" + keyId(v));
    return "m{" + items.sort().join(",") + "}";
  }
  if ("simple" in value) return "i" + value.simple;
  return "t" + value.tag + "(" + keyId(value.value) + ")";
}

/** Python's == of two keys of one keyId: a simple value equals an integer or a bool, as a
 * float does, but a simple value and a float are unequal (in a tuple too). */
function sameKey(a, b) {
  const simple = (value) => value !== null && typeof value === "object" && "simple" in value;
  if ((simple(a) && typeof b === "number") || (simple(b) && typeof a === "number")) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.every((item, i) => sameKey(item, b[i]));
  return true;
}

/** A decoded CBOR map: keys compared as Python compares them. */
export class CborMap {
  #items = new Map();
  #entries = [];
  get size() {
    return this.#entries.length;
  }
  add(key, value) {
    const id = keyId(key);
    const same = this.#items.get(id) || [];
    if (same.some(([other]) => sameKey(other, key))) throw new Malformed("duplicate map key");
    const entry = [key, value];
    this.#items.set(id, [...same, entry]);
    this.#entries.push(entry);
  }
  #find(key) {
    return (this.#items.get(keyId(key)) || []).find(([other]) => sameKey(other, key));
  }
  has(key) {
    return this.#find(key) !== undefined;
  }
  /** The value, or undefined when the key is absent (a CBOR null is null). */
  get(key) {
    return this.#find(key)?.[1];
  }
  entries() {
    return this.#entries.values();
  }
  /** Every key is one of `allowed` (Python's set(keys) <= allowed). */
  keysWithin(allowed) {
    const ids = new Set(allowed.map(keyId));
    return [...this.#items.keys()].every((id) => ids.has(id));
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** One CBOR item of untrusted bytes, or Malformed: no indefinite lengths, no duplicate
 * keys, no tag but those allowed, nesting at most maxDepth below the top, no trailing bytes. */
export function decodeCbor(data, options = {}) {
  return decode(data, options).item;
}

/** credentials.cbor.loads_deterministic: decodeCbor, then NotDeterministic unless the bytes
 * are what cbor2's canonical encoder writes for the item (shortest heads and floats, map
 * keys sorted by the length of their encoding, then bytewise). */
export function decodeDeterministic(data, options = {}) {
  const { item, canonical } = decode(data, options);
  if (!canonical) throw new NotDeterministic("not in deterministic encoding");
  return item;
}

/** The item, and whether every head, float and key order was the canonical one. */
function decode(data, { maxBytes = 4096, maxDepth = 8, allowedTags = [] } = {}) {
  if (data.length > maxBytes) throw new Malformed(`input is more than the ${maxBytes} allowed`);
  if (data.length === 0) throw new Malformed("input is empty");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let canonical = true;

  const need = (n) => {
    if (n > BigInt(data.length - at)) throw new Malformed("premature end of stream");
  };
  const argument = (info) => {
    if (info < 24) return BigInt(info);
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (size === undefined) throw new Malformed("reserved or indefinite length");
    need(BigInt(size));
    const start = at;
    at += size;
    let value;
    if (size === 1) value = view.getUint8(start);
    else if (size === 2) value = view.getUint16(start);
    else if (size === 4) value = view.getUint32(start);
    else value = view.getBigUint64(start);
    // A head is shortest when its value needs every byte it was given.
    if (value < { 1: 24, 2: 0x100, 4: 0x10000, 8: 0x100000000n }[size]) canonical = false;
    return BigInt(value);
  };
  const item = (depth) => {
    if (depth > maxDepth) throw new Malformed("maximum nesting depth exceeded");
    need(1n);
    const initial = data[at++];
    const major = initial >> 5;
    const info = initial & 31;
    if (major === 7) return special(info);
    const value = argument(info);
    switch (major) {
      case 0:
        return value;
      case 1:
        return -1n - value;
      case 2:
      case 3: {
        need(value);
        const bytes = data.slice(at, at + Number(value));
        at += Number(value);
        if (major === 2) return bytes;
        try {
          return UTF8.decode(bytes);
        } catch {
          throw new Malformed("invalid text string");
        }
      }
      case 4: {
        need(value);
        const list = [];
        for (let i = 0n; i < value; i++) list.push(item(depth + 1));
        return list;
      }
      case 5: {
        need(value);
        const map = new CborMap();
        let previous = null;
        for (let i = 0n; i < value; i++) {
          const start = at;
          const key = item(depth + 1);
          // As Python's door: true and 1.0 would pass for the key 1 there.
          if (typeof key !== "bigint" && typeof key !== "string") {
            throw new Malformed("CBOR map keys must be integers or text");
          }
          const encoded = data.subarray(start, at);
          if (previous && keyOrder(previous, encoded) > 0) canonical = false;
          previous = encoded;
          map.add(key, item(depth + 1));
        }
        return map;
      }
      default: {
        if (!allowedTags.includes(value)) throw new Malformed(`CBOR tag ${value} not allowed`);
        return { tag: value, value: item(depth + 1) };
      }
    }
  };
  const special = (info) => {
    if (info < 20) return { simple: info };
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return UNDEFINED;
    if (info === 24) {
      need(1n);
      const value = data[at++];
      if (value < 32) throw new Malformed("invalid two-byte simple value");
      return { simple: value };
    }
    if (info === 25) {
      need(2n);
      at += 2;
      return float(halfFloat(view.getUint16(at - 2)), 2);
    }
    if (info === 26) {
      need(4n);
      at += 4;
      return float(view.getFloat32(at - 4), 4);
    }
    if (info === 27) {
      need(8n);
      at += 8;
      return float(view.getFloat64(at - 8), 8);
    }
    throw new Malformed(info === 31 ? "break where an item was expected" : "reserved value");
  };
  // cbor2 writes every NaN as f9 7e00 and any other float in the fewest bytes that hold it.
  const float = (value, size) => {
    if (Number.isNaN(value) ? size !== 2 || view.getUint16(at - 2) !== 0x7e00 : size !== floatSize(value)) {
      canonical = false;
    }
    return value;
  };
  const result = item(0);
  if (at !== data.length) throw new Malformed("trailing bytes after the CBOR item");
  return { item: result, canonical };
}

/** cbor2's canonical order of two encoded map keys: shorter first, then bytewise. */
function keyOrder(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Bytes after the head of a non-NaN float's shortest encoding: 2, 4 or 8. */
function floatSize(value) {
  if (!Number.isFinite(value) || fitsHalf(value)) return 2;
  return Math.fround(value) === value ? 4 : 8;
}

/** Whether a finite number is exactly a half-precision float (11 significant bits). */
function fitsHalf(value) {
  const size = Math.abs(value);
  if (size === 0) return true;
  if (size > 65504) return false;
  if (size < 2 ** -14) return Number.isInteger(size * 2 ** 24);
  let exponent = Math.floor(Math.log2(size));
  if (2 ** exponent > size) exponent--;
  if (2 ** (exponent + 1) <= size) exponent++;
  return Number.isInteger(size * 2 ** (10 - exponent));
}

function halfFloat(bits) {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// ---- small shapes shared by the readers ----

export function hex(bytes) {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

const isInt = (value) => typeof value === "bigint";
const isBytes = (value) => value instanceof Uint8Array;
const isMap = (value) => value instanceof CborMap;
/** Length in code points, as Python's len() of a str. */
const chars = (text) => [...text].length;
const absent = (value) => value === undefined || value === null;
const equalBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

export function keyId8(publicKey) {
  return sha256(publicKey).slice(0, 8);
}

function encodeHead(major, length) {
  if (length < 24) return [(major << 5) | length];
  if (length < 0x100) return [(major << 5) | 24, length];
  if (length < 0x10000) return [(major << 5) | 25, length >> 8, length & 0xff];
  return [(major << 5) | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
}

/** cbor2.dumps(["Signature1", protected, b"", payload]) (RFC 9052 §4.4). */
function sigStructure(protectedBytes, payload) {
  const context = new TextEncoder().encode("Signature1");
  const parts = [
    [0x84, ...encodeHead(3, context.length)],
    context,
    encodeHead(2, protectedBytes.length),
    protectedBytes,
    [0x40],
    encodeHead(2, payload.length),
    payload,
  ];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// ---- Ed25519: WebCrypto, or the vendored tweetnacl where WebCrypto cannot ----

const ORDER = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
let engine = null;
const importedKeys = new Map();

/** Which Ed25519 to use: "webcrypto" or "fallback" (tests force one), or null to pick. */
export function useEd25519(name) {
  engine = name;
  importedKeys.clear();
}

async function pickEngine() {
  if (engine) return engine;
  try {
    const probe = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    await crypto.subtle.importKey("raw", probe, { name: "Ed25519" }, false, ["verify"]);
    engine = "webcrypto";
  } catch {
    engine = "fallback";
  }
  return engine;
}

async function nacl() {
  if (!globalThis.nacl?.sign) await import("./vendor/tweetnacl/nacl-fast.min.js");
  return globalThis.nacl;
}

/** S below the group order, as libsodium and BoringSSL require (tweetnacl does not check). */
function canonicalS(signature) {
  for (let i = 63; i >= 32; i--) {
    if (signature[i] !== ORDER[i - 32]) return signature[i] < ORDER[i - 32];
  }
  return false;
}

export async function verifySignature(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((await pickEngine()) === "fallback") {
    if (!canonicalS(signature)) return false;
    return (await nacl()).sign.detached.verify(message, signature, publicKey);
  }
  try {
    const id = hex(publicKey);
    let key = importedKeys.get(id);
    if (!key) {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      importedKeys.set(id, key);
    }
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    return false;
  }
}

// ---- COSE_Sign1 (credentials.cose) ----

function isA(typ, mediaType) {
  const earlier = mediaType.replace(/^application\/vnd\./, "").replace(/\+cose$/, "");
  return typ === mediaType || typ === earlier.replaceAll(".", "-");
}

export function decodeSign1(data, maxBytes = MAX_SIGN1_BYTES) {
  const item = decodeDeterministic(data, { maxBytes, maxDepth: 3, allowedTags: [TAG_SIGN1] });
  if (item === null || typeof item !== "object" || item.tag !== TAG_SIGN1) {
    throw new Malformed("not a COSE_Sign1 (CBOR tag 18)");
  }
  const parts = item.value;
  if (!Array.isArray(parts) || parts.length !== 4) throw new Malformed("a COSE_Sign1 is four items");
  const [protectedBytes, unprotected, payload, signature] = parts;
  if (!isBytes(protectedBytes) || !isBytes(payload)) throw new Malformed("byte strings expected");
  if (!isMap(unprotected) || unprotected.size !== 0) throw new Malformed("unprotected header not empty");
  if (!isBytes(signature) || signature.length !== 64) throw new Malformed("the signature must be 64 bytes");
  const header = decodeDeterministic(protectedBytes, { maxBytes: 256, maxDepth: 1 });
  if (!isMap(header) || !header.keysWithin([1n, 4n, 16n])) {
    throw new Malformed("protected header must be a map of alg, kid and typ only");
  }
  const alg = header.get(1n);
  if (!isInt(alg)) throw new Malformed("protected header lacks an integer alg");
  if (!ACCEPTED_ALGS.includes(alg)) throw new UnsupportedAlgorithm(`COSE algorithm ${alg} is not Ed25519`);
  const kid = header.get(4n);
  if (!isBytes(kid) || kid.length !== 8) throw new Malformed("protected header kid must be 8 bytes");
  const typ = absent(header.get(16n)) ? null : header.get(16n);
  if (typ !== null && typeof typ !== "string") throw new Malformed("protected header typ must be text");
  return { protectedBytes, kid, typ, payload, signature };
}

function verifySign1(envelope, publicKey) {
  return verifySignature(publicKey, sigStructure(envelope.protectedBytes, envelope.payload), envelope.signature);
}

// ---- times, claims (credentials.claims) ----

function moment(value) {
  if (!isInt(value) || value < 0n || value >= MAX_NUMERIC_DATE) throw new Malformed("times must be integer seconds");
  return Number(value);
}

function text(value, limit) {
  if (typeof value !== "string" || chars(value) < 1 || chars(value) > limit) {
    throw new Malformed(`text of 1 to ${limit} characters expected`);
  }
  return value;
}

function bounded(value, limit) {
  if (!isInt(value) || value < 0n || value > BigInt(limit)) throw new Malformed(`an integer to ${limit} expected`);
  return Number(value);
}

function sizedBytes(value, low, high) {
  if (!isBytes(value) || value.length < low || value.length > high) throw new Malformed(`${low} to ${high} bytes expected`);
  return value;
}

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
const CLAIM_KEYS = [1n, 2n, 4n, 6n, 7n, -65537n];
const MC_KEYS = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n];

function required(map, key) {
  if (!map.has(key)) throw new Malformed(`claim ${key} is missing`);
  return map.get(key);
}

/** credentials.claims._no_explicit_defaults: no expiry, no evidence and not a pathway are
 * written by leaving the claim out; written out, they give a credential a second form. */
function noExplicitDefaults(claims, micro) {
  const defaults = [
    [claims, 4n, null],
    [micro, 8n, null],
    [micro, 9n, false],
  ];
  for (const [map, key, value] of defaults) {
    if (map.has(key) && map.get(key) === value) {
      throw new NotDeterministic(`claim ${key} is written out with the value its absence means`);
    }
  }
}

/** credentials.claims.decode_claims and MicroCredential's checks. */
export function decodeClaims(data) {
  const claims = decodeDeterministic(data, { maxBytes: MAX_CLAIMS_BYTES, maxDepth: 3 });
  if (!isMap(claims) || !claims.keysWithin(CLAIM_KEYS)) throw new Malformed("claims must be a map of known keys");
  const micro = claims.get(-65537n);
  if (!isMap(micro) || !micro.keysWithin(MC_KEYS)) throw new Malformed("the micro-credential claim must be a map");
  noExplicitDefaults(claims, micro);
  const version = micro.get(2n);
  if (!Array.isArray(version) || version.length !== 3 || !version.every((part) => isInt(part) && part >= 0n)) {
    throw new Malformed("module version must be [major, minor, patch]");
  }
  const route = micro.get(5n);
  if (!isInt(route) || route < 0n || route >= BigInt(ROUTES.length)) throw new Malformed("unknown assessment route");
  const pathway = micro.has(9n) ? micro.get(9n) : false;
  if (typeof pathway !== "boolean") throw new Malformed("pathway flag must be a boolean");
  const exp = claims.get(4n);
  const credential = {
    issuer: required(claims, 1n),
    subject: required(claims, 2n),
    issuedAt: moment(claims.has(6n) ? claims.get(6n) : null),
    credentialId: required(claims, 7n),
    expiresAt: absent(exp) ? null : moment(exp),
    moduleId: required(micro, 1n),
    moduleVersion: version.join("."),
    outcomes: outcomesFromBitmap(micro.get(3n)),
    scorePercent: required(micro, 4n),
    route: ROUTES[Number(route)],
    holderName: required(micro, 6n),
    statusIndex: required(micro, 7n),
    evidenceHash: absent(micro.get(8n)) ? null : micro.get(8n),
    pathway,
  };
  text(credential.issuer, 64);
  text(credential.subject, 64);
  text(credential.moduleId, 64);
  text(credential.holderName, 100);
  if (credential.expiresAt !== null && credential.expiresAt <= credential.issuedAt) {
    throw new Malformed("expires_at must be after issued_at");
  }
  sizedBytes(credential.credentialId, 8, 16);
  if (credential.evidenceHash !== null) sizedBytes(credential.evidenceHash, 16, 32);
  if (!SEMVER.test(credential.moduleVersion)) throw new Malformed("module_version must be MAJOR.MINOR.PATCH");
  credential.scorePercent = bounded(credential.scorePercent, 100);
  credential.statusIndex = bounded(credential.statusIndex, 2 ** 24 - 1);
  return credential;
}

function outcomesFromBitmap(bitmap) {
  if (!isInt(bitmap) || bitmap < 2n || bitmap >= 1n << 65n) throw new Malformed("outcome bitmap out of range");
  const count = bitmap.toString(2).length - 1;
  return Array.from({ length: count }, (_, i) => Boolean((bitmap >> BigInt(i)) & 1n));
}

// ---- node certificates, catalogue, status lists, the trust list (credentials.trust) ----

function readNodeCertificate(data) {
  const envelope = decodeSign1(data, MAX_CERT_BYTES);
  if (!isA(envelope.typ, TYP_NODE_CERT)) throw new Malformed("not a node certificate");
  const payload = decodeDeterministic(envelope.payload, { maxBytes: MAX_CERT_BYTES, maxDepth: 2 });
  if (!isMap(payload)) throw new Malformed("node certificate payload must be a map");
  if (payload.size !== 6 || ![1n, 2n, 3n, 4n, 5n, 6n].every((key) => payload.has(key))) {
    throw new Malformed("node certificate must hold keys 1 to 6");
  }
  const modules = payload.get(4n);
  if (!Array.isArray(modules)) throw new Malformed("certificate modules must be a list");
  const cert = {
    nodeId: payload.get(1n),
    nodeName: payload.get(2n),
    publicKey: payload.get(3n),
    modules,
    notBefore: moment(payload.get(5n)),
    notAfter: moment(payload.get(6n)),
  };
  text(cert.nodeId, 64);
  text(cert.nodeName, 200);
  if (!isBytes(cert.publicKey) || cert.publicKey.length !== 32) throw new Malformed("node public key must be 32 bytes");
  if (!modules.length || !modules.every((m) => typeof m === "string" && m)) throw new Malformed("certificate modules");
  if (cert.notAfter <= cert.notBefore) throw new Malformed("not_after must be after not_before");
  return [cert, envelope];
}

async function checkNodeCertificate(data, roots) {
  const [cert, envelope] = readNodeCertificate(data);
  for (const root of roots) {
    if (equalBytes(keyId8(root), envelope.kid) && (await verifySign1(envelope, root))) {
      cert.kid = hex(keyId8(cert.publicKey));
      return cert;
    }
  }
  throw new TrustError("InvalidSignature", `node certificate of ${cert.nodeId} is not signed by a trusted root`);
}

function localText(value) {
  if (!isMap(value) || value.size === 0) throw new Malformed("catalogue text must be a non-empty map");
  const out = {};
  for (const [k, v] of value.entries()) {
    if (typeof k !== "string" || typeof v !== "string") throw new Malformed("catalogue text maps languages to text");
    out[k] = v;
  }
  return out;
}

function textValue(value) {
  if (typeof value !== "string") throw new Malformed("catalogue text expected");
  return value;
}

function number(value) {
  const n = isInt(value) ? Number(value) : value;
  if (typeof n !== "number" || !(n >= 0 && n < Infinity)) throw new Malformed("a non-negative number expected");
  return n;
}

/** credentials.catalogue.entry_from_cbor */
function entryFromCbor(data) {
  if (!isMap(data) || !data.keysWithin([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n])) {
    throw new Malformed("a catalogue entry is a map with keys 1 to 12");
  }
  const outcomes = data.get(4n);
  if (!Array.isArray(outcomes) || !outcomes.length) throw new Malformed("catalogue outcomes must be a non-empty list");
  const level = absent(data.get(5n)) ? null : data.get(5n);
  if (level !== null && (!isInt(level) || level < 1n || level > 8n)) throw new Malformed("EQF level must be 1 to 8");
  const ects = data.get(7n);
  const pathwayModules = data.has(11n) ? data.get(11n) : [];
  if (!Array.isArray(pathwayModules)) throw new Malformed("catalogue pathway modules must be a list");
  const alignments = data.has(12n) ? data.get(12n) : [];
  if (!Array.isArray(alignments)) throw new Malformed("catalogue alignments must be a list");
  const entry = {
    moduleId: textValue(data.get(1n)),
    version: textValue(data.get(2n)),
    title: localText(data.get(3n)),
    outcomes: outcomes.map(localText),
    levelEqf: level === null ? null : Number(level),
    workloadHours: number(data.get(6n)),
    ects: absent(ects) ? null : number(ects),
    awardingBody: textValue(data.get(8n)),
    country: textValue(data.get(9n)),
    contentHash: textValue(data.get(10n)),
  };
  pathwayModules.forEach(textValue);
  for (const a of alignments) {
    if (!Array.isArray(a) || ![3, 4].includes(a.length) || !a.every((part) => typeof part === "string" && part)) {
      throw new Malformed("a catalogue alignment is [framework, code, label, ? uri]");
    }
  }
  return entry;
}

/** credentials.status.StatusList.from_compressed: zlib, inflated to at most 2 MiB. */
async function inflateStatusList(data) {
  const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
  const bits = new Uint8Array(STATUS_MAX_BYTES);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > STATUS_MAX_BYTES) {
        reader.cancel().catch(() => {});
        throw new Malformed("status list is too large");
      }
      bits.set(value, length);
      length += value.length;
    }
  } catch (error) {
    throw error instanceof Malformed ? error : new Malformed("status list is not zlib data");
  }
  if (length < STATUS_MIN_BYTES || length % STATUS_MIN_BYTES) throw new Malformed("a status list holds a multiple of 16 KiB");
  const out = bits.slice(0, length);
  // A zlib stream ends with the Adler-32 of what it holds: anything after it is refused.
  const tail = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0);
  if (tail !== adler32(out)) throw new Malformed("status list is followed by other data");
  return out;
}

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(i + 3800, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function bytesList(value) {
  if (!Array.isArray(value) || !value.every(isBytes)) throw new Malformed("a list of byte strings expected");
  return value;
}

function nodeId(value) {
  if (typeof value !== "string") throw new Malformed("node ids must be text");
  return value;
}

/** credentials.trust.read_trust_list with pinned roots: the list, checked, or TrustError. */
export async function readTrustList(data, pinnedRoots) {
  try {
    return await readTrustListUnchecked(data, pinnedRoots);
  } catch (error) {
    if (error instanceof TrustError) throw error;
    throw new TrustError(error.kind || "MalformedInput", error.message);
  }
}

async function readTrustListUnchecked(data, pinnedRoots) {
  const envelope = decodeSign1(data, MAX_TRUST_LIST_BYTES);
  if (!isA(envelope.typ, TYP_TRUST_LIST)) throw new Malformed("not a trust list");
  const payload = decodeDeterministic(envelope.payload, { maxBytes: MAX_TRUST_LIST_BYTES, maxDepth: 5 });
  if (!isMap(payload) || payload.size !== 7 || ![1n, 2n, 3n, 4n, 5n, 6n, 7n].every((k) => payload.has(k))) {
    throw new Malformed("a trust list payload is a map with keys 1 to 7");
  }
  const roots = bytesList(payload.get(3n));
  const signer = pinnedRoots.find((root) => equalBytes(keyId8(root), envelope.kid));
  if (!signer || !roots.some((root) => equalBytes(root, signer))) {
    throw new TrustError("UntrustedSigner", "the trust list is not signed by a trusted root key");
  }
  if (!(await verifySign1(envelope, signer))) throw new TrustError("InvalidSignature", "the trust list signature does not verify");
  const revoked = payload.get(6n);
  const status = payload.get(7n);
  if (!isMap(revoked) || !isMap(status)) throw new Malformed("revoked nodes and status lists must be maps");
  const catalogue = payload.get(5n);
  if (!Array.isArray(catalogue)) throw new Malformed("the catalogue must be a list");
  const version = payload.get(1n);
  const issuedAt = moment(payload.get(2n));
  const certificates = bytesList(payload.get(4n));
  const entries = new Map();
  for (const entry of catalogue.map(entryFromCbor)) entries.set(entry.moduleId + "\n" + entry.version, entry);
  const revokedNodes = new Map();
  for (const [node, since] of revoked.entries()) revokedNodes.set(nodeId(node), moment(since));
  const statusLists = new Map();
  for (const [node, bits] of status.entries()) {
    const id = nodeId(node);
    if (!isBytes(bits)) throw new Malformed("status list must be a byte string");
    statusLists.set(id, await inflateStatusList(bits));
  }
  if (!isInt(version) || version < 0n) throw new Malformed("trust list version must be a non-negative integer");
  if (!roots.length || !roots.every((root) => root.length === 32)) throw new Malformed("a trust list names 32-byte roots");
  const nodes = new Map();
  for (const certificate of certificates) {
    const cert = await checkNodeCertificate(certificate, roots);
    if (!nodes.has(cert.kid)) nodes.set(cert.kid, []);
    nodes.get(cert.kid).push(cert);
  }
  return { version: Number(version), issuedAt, roots, nodes, entries, revokedNodes, statusLists };
}

// ---- verification (credentials.verification.verify) ----

export const Reason = Object.freeze({
  GENUINE: "genuine",
  MALFORMED: "malformed",
  UNSUPPORTED_ALG: "unsupported_alg",
  UNKNOWN_ISSUER: "unknown_issuer",
  BAD_SIGNATURE: "bad_signature",
  NODE_CERT_EXPIRED: "node_cert_expired",
  NODE_CERT_NOT_YET_VALID: "node_cert_not_yet_valid",
  NODE_CERT_OUT_OF_SCOPE: "node_cert_out_of_scope",
  NODE_REVOKED: "node_revoked",
  CREDENTIAL_REVOKED: "credential_revoked",
  EXPIRED: "expired",
  UNKNOWN_MODULE: "unknown_module",
  NOT_DETERMINISTIC: "not_deterministic",
});

const PY_SPACE = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** White space stripped from both ends as Python's str.strip() does (not JS's trim,
 * which also strips a byte-order mark and keeps U+001C to U+001F and U+0085). */
export function strip(text) {
  return text.replace(PY_SPACE, "");
}

/** The bytes of a link's digits: 17 digits for each 7 bytes, a shorter last block in the
 * fewest digits that hold it (credentials.qr.from_digits); anything else is refused. */
export function fromDigits(digits) {
  if (!/^[0-9]*$/.test(digits)) throw new Malformed("the link's credential must be digits only");
  if (!BYTES_FOR.has(digits.length % BLOCK_DIGITS)) throw new Malformed("the link's credential has a wrong number of digits");
  const out = [];
  for (let start = 0; start < digits.length; start += BLOCK_DIGITS) {
    const block = digits.slice(start, start + BLOCK_DIGITS);
    const size = BYTES_FOR.get(block.length);
    let value = BigInt(block);
    if (value >= 256n ** BigInt(size)) throw new Malformed("the link's credential has a block out of range");
    const bytes = new Array(size);
    for (let i = size - 1; i >= 0; i--) {
      bytes[i] = Number(value & 255n);
      value >>= 8n;
    }
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

/** The COSE bytes of QR text: FC1: and base45, or the link form (credentials.qr.from_qr_text). */
export function fromQrText(input) {
  if (chars(input) > MAX_LINK_TEXT) throw new Malformed("QR text is longer than any QR code can hold");
  const text = strip(input);
  const link = LINK.exec(text);
  if (link) return fromDigits(link[1]);
  if (chars(input) > MAX_QR_TEXT + 16) throw new Malformed("QR text is longer than any QR code can hold");
  if (!text.startsWith(PREFIX)) throw new Malformed(`QR text must start with ${PREFIX} or be a verify link`);
  return base45Decode(text.slice(PREFIX.length));
}

function envelopeOf(input) {
  if (input.length > MAX_INPUT_CHARS) throw new Malformed("input is too long");
  if (typeof input === "string") input = fromQrText(input);
  const envelope = decodeSign1(input);
  if (envelope.typ !== null) throw new Malformed("not a credential");
  return envelope;
}

const fail = (reason, extra = {}) => ({ genuine: false, reason, ...extra });

/** The verdict on QR text (or COSE bytes) against a trust list; never throws.
 * `now` is in seconds since the epoch and only decides expiry. */
export async function verify(input, trust, { now = Date.now() / 1000 } = {}) {
  let envelope;
  try {
    envelope = envelopeOf(input);
  } catch (error) {
    if (error instanceof UnsupportedAlgorithm) return fail(Reason.UNSUPPORTED_ALG);
    return fail(error instanceof NotDeterministic ? Reason.NOT_DETERMINISTIC : Reason.MALFORMED);
  }
  const certs = trust.nodes.get(hex(envelope.kid)) || [];
  if (!certs.length) return fail(Reason.UNKNOWN_ISSUER, { unverifiedIssuedAt: peekIssuedAt(envelope.payload) });
  if (!(await verifySign1(envelope, certs[0].publicKey))) return fail(Reason.BAD_SIGNATURE);
  let credential;
  try {
    credential = decodeClaims(envelope.payload);
  } catch (error) {
    return fail(error instanceof NotDeterministic ? Reason.NOT_DETERMINISTIC : Reason.MALFORMED);
  }
  return check(credential, certs, trust, now);
}

function check(credential, certs, trust, now) {
  const issued = credential.issuedAt;
  const named = certs.filter((cert) => cert.nodeId === credential.issuer);
  if (!named.length) return fail(Reason.UNKNOWN_ISSUER);
  const current = named.filter((cert) => cert.notBefore <= issued && issued <= cert.notAfter);
  if (!current.length) {
    if (named.every((cert) => cert.notAfter < issued)) {
      return fail(Reason.NODE_CERT_EXPIRED, { credential, node: named[named.length - 1] });
    }
    return fail(Reason.NODE_CERT_NOT_YET_VALID, { credential, node: named[0] });
  }
  const scoped = current.filter((cert) => cert.modules.includes("*") || cert.modules.includes(credential.moduleId));
  if (!scoped.length) return fail(Reason.NODE_CERT_OUT_OF_SCOPE, { credential, node: current[0] });
  const node = scoped[0];
  const since = trust.revokedNodes.get(node.nodeId);
  if (since !== undefined && issued >= since) return fail(Reason.NODE_REVOKED, { credential, node });
  const entry = trust.entries.get(credential.moduleId + "\n" + credential.moduleVersion);
  if (!entry || entry.outcomes.length !== credential.outcomes.length) {
    return fail(Reason.UNKNOWN_MODULE, { credential, node });
  }
  const bits = trust.statusLists.get(node.nodeId);
  const index = credential.statusIndex;
  if (bits && index < bits.length * 8 && bits[index >> 3] & (0x80 >> (index & 7))) {
    return fail(Reason.CREDENTIAL_REVOKED, { credential, node });
  }
  if (credential.expiresAt !== null && now >= credential.expiresAt) {
    return fail(Reason.EXPIRED, { credential, node });
  }
  return { genuine: true, reason: Reason.GENUINE, credential, entry, node };
}

/** The issue time a credential of an unknown key claims, unchecked: only to tell "this
 * centre may be newer than your list" from "nobody known signed this". */
function peekIssuedAt(payload) {
  try {
    const claims = decodeCbor(payload, { maxBytes: MAX_CLAIMS_BYTES, maxDepth: 3 });
    return moment(claims.get(6n));
  } catch {
    return null;
  }
}

const DAY = 86400;

/** What to tell the person: "genuine", "not_genuine" or "cannot_check", and the verdict
 * key (a Reason, or "newer_than_list" when an unknown issuer may have been certified after
 * the list was made: it claims a date no older than the list and not in the future). */
export function outcome(verdict, trust, now = Date.now() / 1000) {
  if (verdict.genuine) return { outcome: "genuine", key: verdict.reason };
  if (verdict.reason === Reason.MALFORMED) return { outcome: "cannot_check", key: verdict.reason };
  const claimed = verdict.unverifiedIssuedAt;
  if (verdict.reason === Reason.UNKNOWN_ISSUER && claimed != null && claimed >= trust.issuedAt && claimed <= now + DAY) {
    return { outcome: "cannot_check", key: "newer_than_list" };
  }
  return { outcome: "not_genuine", key: verdict.reason };
}
