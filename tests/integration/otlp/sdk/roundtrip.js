// Sends spans made by the real OpenTelemetry JavaScript SDK (BasicTracerProvider + the OTLP/HTTP
// JSON exporter) to a Meshx OTLP receiver, and at the same time to a capturing HTTP server of
// its own, so the test sees the SDK's exact request body.
//
//   node roundtrip.js <receiver traces URL> <out.json>
//
// out.json: {"spans":[{name,traceId,spanId,parentSpanId,kind,attributes}], "sdk_body":{...}}
// Exit 0 when both exports were accepted (HTTP 2xx).
'use strict';

const http = require('http');
const fs = require('fs');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const api = require('@opentelemetry/api');

const [receiverUrl, outFile] = process.argv.slice(2);
if (!receiverUrl || !outFile) {
  console.error('usage: node roundtrip.js <receiver traces URL> <out.json>');
  process.exit(2);
}

function startCapture() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => {
      bodies.push({ path: req.url, contentType: req.headers['content-type'], body: data });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, bodies, port: server.address().port }));
  });
}

async function main() {
  const capture = await startCapture();
  const toMeshx = new OTLPTraceExporter({ url: receiverUrl });
  const toCapture = new OTLPTraceExporter({ url: `http://127.0.0.1:${capture.port}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'node-shop', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(toMeshx), new SimpleSpanProcessor(toCapture)],
  });
  const tracer = provider.getTracer('meshx-roundtrip', '1.0.0');

  const expected = [];
  const remember = (span, name, kind, attributes, parent) => {
    const ctx = span.spanContext();
    expected.push({ name, kind, traceId: ctx.traceId, spanId: ctx.spanId,
                    parentSpanId: parent ? parent.spanContext().spanId : '', attributes });
  };

  const rootAttrs = { 'http.request.method': 'GET', 'http.route': '/checkout',
                      'http.response.status_code': 200, 'shop.ratio': 0.25, 'shop.vip': true };
  const root = tracer.startSpan('GET /checkout', { kind: api.SpanKind.SERVER, attributes: rootAttrs });
  const rootCtx = api.trace.setSpan(api.context.active(), root);
  const childAttrs = { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' };
  const child = tracer.startSpan('SELECT shop', { kind: api.SpanKind.CLIENT, attributes: childAttrs }, rootCtx);
  child.addEvent('rows', { count: 3 });
  child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'deadlock detected' });
  child.end();
  remember(child, 'SELECT shop', 'client', childAttrs, root);
  root.end();
  remember(root, 'GET /checkout', 'server', rootAttrs, null);

  await provider.forceFlush();
  await provider.shutdown();
  capture.server.close();
  fs.writeFileSync(outFile, JSON.stringify({
    spans: expected,
    sdk_bodies: capture.bodies.map((b) => ({ path: b.path, contentType: b.contentType, body: JSON.parse(b.body) })),
  }, null, 1));
}

main().catch((err) => {
  console.error('roundtrip.js failed:', err && err.stack ? err.stack : err);
  process.exit(1);
});
