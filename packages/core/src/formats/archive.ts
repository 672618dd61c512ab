/**
 * The one reader for uploaded archives (zip, tar, optionally gzipped), shared by model uploads
 * and image-folder datasets. Archives come from users: paths may not leave the archive, links and
 * special files are refused, and the caller's budget sees every entry's size before it is read.
 */
import { unzipSync } from 'fflate';
import { errorText, gunzip, hasPrefix, isGzip } from '../datasets/importers/shared.ts';
import { AntidoteError } from '../errors.ts';

export interface ArchiveEntry {
  /** Normalised path: forward slashes, no '.', empty or '..' segments, never absolute. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface ReadArchiveOptions {
  /** Called with each file's path and declared size before it is unpacked; throws to refuse. */
  admit: (path: string, size: number) => void;
  /** Most bytes a gzip wrapper may inflate to. */
  maxInflatedBytes: number;
  /** Most tar headers read (files plus extended headers are bounded by 4x this). */
  maxEntries: number;
  /** The error for a tar entry that is not a regular file (`kind` as tar-stream names it, e.g. 'symlink'). */
  specialFile: (path: string, kind: string) => AntidoteError;
  /** The error for bytes that are neither zip nor tar. */
  notAnArchive: () => AntidoteError;
  /** Name for gzip messages. Default 'The archive'. */
  name?: string;
}

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06],
];
const TAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72]; // 'ustar' at offset 257 (POSIX and GNU)
/** What macOS and Windows add to archives; users never meant them as content. */
const JUNK_NAMES = new Set(['__MACOSX', 'Thumbs.db', 'desktop.ini']);
const TAR_KINDS: Record<string, string> = {
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '6': 'fifo',
};

export function looksLikeZip(bytes: Uint8Array): boolean {
  return ZIP_SIGNATURES.some((signature) => hasPrefix(bytes, signature));
}

export function looksLikeTar(bytes: Uint8Array): boolean {
  return hasPrefix(bytes, TAR_MAGIC, 257);
}

/**
 * Normalises an archive path (forward slashes, no '.' or empty segments). Absolute paths, drive
 * letters and '..' would let an archive name files outside its own folder: refused.
 */
export function safeArchivePath(raw: string, what: string): string {
  const slashed = raw.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed) || slashed.includes('\0')) {
    throw new AntidoteError('INVALID_INPUT', `${what} "${raw}" is an absolute path; an archive may only hold relative paths.`);
  }
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new AntidoteError('INVALID_INPUT', `${what} "${raw}" climbs out of its folder with ".."; such paths are refused.`);
  }
  return segments.join('/');
}

/** Hidden files and operating-system litter. */
export function isJunkPath(path: string): boolean {
  return path.split('/').some((segment) => segment.startsWith('.') || JUNK_NAMES.has(segment));
}

/** Reads every regular file of a zip, tar or tar.gz (also a gzipped zip), junk skipped, in archive order. */
export function readArchive(bytes: Uint8Array, options: ReadArchiveOptions): ArchiveEntry[] {
  const content = isGzip(bytes) ? gunzip({ name: options.name ?? 'The archive', bytes }, options.maxInflatedBytes) : bytes;
  if (looksLikeZip(content)) return readZip(content, options);
  if (looksLikeTar(content)) return readTar(content, options);
  throw options.notAnArchive();
}

function refuseDuplicate(seen: Set<string>, path: string): void {
  if (seen.has(path))
    throw new AntidoteError('INVALID_INPUT', `The archive holds "${path}" twice; it is ambiguous which one to use.`);
  seen.add(path);
}

function readZip(bytes: Uint8Array, options: ReadArchiveOptions): ArchiveEntry[] {
  const names = new Map<string, string>();
  const seen = new Set<string>();
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(bytes, {
      filter: (info) => {
        if (info.name.endsWith('/') || info.name.endsWith('\\')) return false;
        const path = safeArchivePath(info.name, 'Archive entry');
        if (path === '' || isJunkPath(path)) return false;
        if (info.compression !== 0 && info.compression !== 8) {
          throw new AntidoteError(
            'UNSUPPORTED_FORMAT',
            `Archive entry ${path} uses zip compression method ${info.compression}; re-create the zip with standard (deflate) compression.`,
          );
        }
        // fflate allocates exactly the declared size and never writes past it, so capping the
        // declared sizes caps memory even when an entry lies about its size.
        options.admit(path, info.originalSize);
        refuseDuplicate(seen, path);
        names.set(info.name, path);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof AntidoteError) throw error;
    throw new AntidoteError('CORRUPT_FILE', `The zip archive is damaged or truncated (${errorText(error)}); create it again.`, {
      cause: error,
    });
  }
  return Object.entries(raw).map(([name, data]) => ({
    path: names.get(name) ?? safeArchivePath(name, 'Archive entry'),
    bytes: data,
  }));
}

function tarString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return new TextDecoder('utf-8').decode(end === -1 ? field : field.subarray(0, end));
}

/** A tar numeric field: octal text, or base-256 when the high bit of the first byte is set. */
function tarNumber(block: Uint8Array, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + (field[i] ?? 0);
      if (!Number.isSafeInteger(value)) return Number.POSITIVE_INFINITY;
    }
    return value;
  }
  const text = tarString(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return Number.NaN;
  return Number.parseInt(text, 8);
}

function tarChecksumOk(block: Uint8Array): boolean {
  const stored = tarNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return stored === sum;
}

/** pax extended header records: "<length> <key>=<value>\n". */
function parsePax(data: Uint8Array): Record<string, string> {
  const text = new TextDecoder('utf-8').decode(data);
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < text.length) {
    const space = text.indexOf(' ', offset);
    if (space === -1) break;
    const length = Number.parseInt(text.slice(offset, space), 10);
    if (!(length > 0) || offset + length > text.length) break;
    const record = text.slice(space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

/**
 * POSIX/GNU tar (ustar, pax and GNU long names), read synchronously like unzip so that callers
 * with a synchronous contract (describing an upload on the gateway) share this one code path.
 */
function readTar(bytes: Uint8Array, options: ReadArchiveOptions): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  const damaged = (what: string) =>
    new AntidoteError('CORRUPT_FILE', `The tar archive is damaged or truncated (${what}); create it again.`);
  let offset = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  let paxSize: number | null = null;
  let headers = 0;
  while (offset + 512 <= bytes.length) {
    const block = bytes.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    if (++headers > 4 * options.maxEntries) {
      throw new AntidoteError('TOO_LARGE', `The archive holds more than ${options.maxEntries} files.`);
    }
    if (!tarChecksumOk(block)) throw damaged(`bad header checksum at byte ${offset}`);
    const type = String.fromCharCode(block[156] ?? 0);
    const headerSize = tarNumber(block, 124, 12);
    const size = type === '0' || type === '\0' || type === '7' ? (paxSize ?? headerSize) : headerSize;
    if (!Number.isFinite(size) || size < 0) throw damaged(`bad entry size at byte ${offset}`);
    const dataStart = offset + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) throw damaged('an entry ends after the end of the file');
    const data = bytes.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / 512) * 512;

    if (type === 'x' || type === 'L' || type === 'K' || type === 'g') {
      if (size > 1024 * 1024) throw damaged('an oversized extended header');
      if (type === 'x') {
        const pax = parsePax(data);
        if (pax.path !== undefined) paxPath = pax.path;
        if (pax.size !== undefined) {
          paxSize = /^\d+$/.test(pax.size) ? Number(pax.size) : Number.NaN;
          if (!Number.isSafeInteger(paxSize)) throw damaged('a bad pax size');
        }
      } else if (type === 'L') {
        longName = tarString(data, 0, data.length);
      }
      continue;
    }
    const magic = tarString(block, 257, 6);
    const prefix = magic.startsWith('ustar') && magic !== 'ustar ' ? tarString(block, 345, 155) : '';
    const headerName = tarString(block, 0, 100);
    const rawName = paxPath ?? longName ?? (prefix ? `${prefix}/${headerName}` : headerName);
    paxPath = null;
    paxSize = null;
    longName = null;
    if (type === '5') continue; // directory
    const path = safeArchivePath(rawName, 'Archive entry');
    if (path === '' || isJunkPath(path)) continue;
    if (type !== '0' && type !== '\0' && type !== '7') throw options.specialFile(path, TAR_KINDS[type] ?? `tar type "${type}"`);
    options.admit(path, size);
    refuseDuplicate(seen, path);
    entries.push({ path, bytes: data.slice() });
  }
  if (headers === 0) throw damaged('no entries');
  return entries;
}
