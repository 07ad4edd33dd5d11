// Drives the persona SDK as a partner's page would, from the query string, and records every
// callback in `window.embed` for the tests to read.
//   ?sdk=persona&mode=client|inline&host=localhost:PORT&templateId=…&shareToken=…
//    &inquiryId=…&sessionToken=…&fieldMappings=<JSON>
import { Client, setupIframe, setupEvents } from '/persona.mjs';

const params = new URLSearchParams(location.search);
const option = (name) => params.get(name) || undefined;
const record = (window.embed = { events: [], completed: null, cancelled: null, errors: [], ready: false });

const options = {
  host: option('host'),
  templateId: option('templateId'),
  shareToken: option('shareToken'),
  inquiryId: option('inquiryId'),
  sessionToken: option('sessionToken'),
  fieldMappings: params.has('fieldMappings') ? JSON.parse(params.get('fieldMappings')) : undefined,
  onEvent: (name, metadata) => record.events.push({ name, metadata }),
  onComplete: (result) => (record.completed = result),
  onCancel: (result) => (record.cancelled = result),
  onError: (error) => record.errors.push(error),
};

if (params.get('mode') === 'inline') {
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
  const client = new Client({ ...options, onReady: () => ((record.ready = true), client.open()) });
  window.client = client;
  document.getElementById('verify').addEventListener('click', () => client.open());
}
