// Drives an embed SDK as a partner's page would, from the query string, and records every
// callback in `window.embed` for the tests to read.
//   ?sdk=persona|tessera&mode=client|inline&open=ready|click&host=localhost:PORT
//    &templateId=…&shareToken=…&inquiryId=…&sessionToken=…&fieldMappings=<JSON>
// `persona` is the real `persona` npm package 5.9.0; `tessera` is Tessera's own client, imported
// from the Tessera server (`/embed.js`) like a partner would.
const params = new URLSearchParams(location.search);
const option = (name) => params.get(name) || undefined;
// Times (Date.now()) for measurements: when the client was made, ready, and complete.
const record = (window.embed = { events: [], completed: null, cancelled: null, errors: [], ready: false, times: {} });
const sdk = params.get('sdk') ?? 'persona';
const inline = params.get('mode') === 'inline';
const openOnClick = params.get('open') === 'click';

const options = {
  host: option('host'),
  templateId: option('templateId'),
  shareToken: option('shareToken'),
  inquiryId: option('inquiryId'),
  sessionToken: option('sessionToken'),
  fieldMappings: params.has('fieldMappings') ? JSON.parse(params.get('fieldMappings')) : undefined,
  onEvent: (name, metadata) => record.events.push({ name, metadata }),
  onComplete: (result) => ((record.times.completed = Date.now()), (record.completed = result)),
  onCancel: (result) => (record.cancelled = result),
  onError: (error) => record.errors.push(error),
};
const button = document.getElementById('verify');

if (sdk === 'tessera') {
  const { default: init, Client } = await import(`http://${options.host}/embed.js`);
  await init();
  let client;
  const ready = () => {
    record.times.ready ??= Date.now();
    record.ready = true;
    if (!inline && !openOnClick) client.open();
  };
  record.times.created = Date.now();
  client = new Client({ ...options, onReady: ready, parent: inline ? '#inline' : undefined });
  window.client = client;
  button.addEventListener('click', () => client.open());
} else {
  const { Client, setupIframe, setupEvents } = await import('/persona.mjs');
  if (inline) {
    const iframe = document.createElement('iframe');
    iframe.title = 'Verify your identity';
    iframe.style.width = '100%';
    iframe.style.border = '0';
    document.getElementById('inline').append(iframe);
    const containerId = 'inline-widget';
    setupIframe(iframe, containerId, 'inline', options);
    setupEvents(containerId, {
      ...options,
      onReady: () => (record.ready = true),
      onEvent: (name, metadata) => {
        record.events.push({ name, metadata });
        if (name === 'page-change') iframe.style.height = `${metadata.pageHeight}px`;
      },
    });
  } else {
    record.times.created = Date.now();
    const client = new Client({
      ...options,
      onReady: () => ((record.times.ready ??= Date.now()), (record.ready = true), openOnClick || client.open()),
    });
    window.client = client;
    button.addEventListener('click', () => client.open());
  }
}
