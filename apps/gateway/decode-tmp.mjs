import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { toUtf8, fromUtf8 } from '@smithy/util-utf8';
const file = process.argv[2];
const doc = parse(readFileSync(file, 'utf8'));
const codec = new EventStreamCodec(toUtf8, fromUtf8);
doc.interactions.forEach((it, i) => {
  console.log('--- interaction', i, it.request.uri, it.response.status, JSON.stringify(it.response.headers));
  console.log('REQ', typeof it.request.body === 'string' ? it.request.body.slice(0, 600) : JSON.stringify(it.request.parsed_body ?? it.request.body).slice(0,600));
  const body = it.response.body?.string;
  if (body instanceof Uint8Array) {
    let off = 0; const buf = Buffer.from(body);
    while (off < buf.length) {
      const len = buf.readUInt32BE(off);
      const m = codec.decode(buf.subarray(off, off + len));
      const h = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.value]));
      console.log(len, JSON.stringify(h), Buffer.from(m.body).toString());
      off += len;
    }
  } else console.log('BODY', JSON.stringify(it.response.parsed_body ?? body).slice(0, 1500));
});
