// The browser command ($env:BROWSER) of the help examples that sign in: node HelpExamplesBrowser.mjs <authorize URL>.
// Does what a person's browser does on the local Azure DevOps, without starting one: loads the consent page, submits
// its form as a click on Accept would (the form's action, its hidden fields, the button's name and value), and loads
// the page Azure DevOps redirects to (the instance's callback, which Connect-PfaAzureDevOps serves). Headless Chromium
// (tests/Browser/consent.mjs) costs ten times its CPU per sign-in; the tests of the sign-in itself use Chromium.
// Quiet on success; on failure it writes the reason to stderr and exits 1.
const url = process.argv[2];
const fail = (message) => { process.stderr.write(`HelpExamplesBrowser.mjs: ${message}\n`); process.exit(1); };
if (!url) fail('usage: node HelpExamplesBrowser.mjs <url>');
const attr = (tag, name) => (new RegExp(`\\b${name}="([^"]*)"`).exec(tag) || [])[1];
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

try {
  const page = await fetch(url);
  const html = await page.text();
  if (page.status !== 200) fail(`the authorize page answered ${page.status}`);
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) fail('the authorize page has no form');
  const fields = new URLSearchParams();
  for (const input of form[1].match(/<input\b[^>]*>/g) || []) {
    if (attr(input, 'name')) fields.append(unescape(attr(input, 'name')), unescape(attr(input, 'value') || ''));
  }
  const accept = /<button\b[^>]*\bid="accept"[^>]*>/.exec(form[1]);
  if (!accept) fail('the consent form has no Accept button');
  fields.append(unescape(attr(accept[0], 'name')), unescape(attr(accept[0], 'value')));
  const action = new URL(unescape(attr(form[0], 'action') || ''), page.url);
  const answer = await fetch(action, { method: 'POST', redirect: 'manual', body: fields });
  const location = answer.headers.get('location');
  if (answer.status < 300 || answer.status > 399 || !location) fail(`the consent answer was ${answer.status}, not a redirect`);
  // Connect-PfaAzureDevOps listens before it starts the browser command, so the callback is loaded once, with no retry:
  // a refused connection is a late listener, a defect, and fails the example (only the callback's origin and path are
  // named: its query carries the authorization code).
  const target = new URL(location, action);
  let callback;
  try { callback = await fetch(target); }
  catch (error) {
    const code = String((error && error.cause && (error.cause.code || error.cause.message)) || (error && error.message) || error);
    fail(`the callback ${target.origin}${target.pathname} could not be loaded (${code}): Connect-PfaAzureDevOps must listen before it starts the browser`);
  }
  await callback.text();
  if (!callback.ok) fail(`the callback page answered ${callback.status}`);
} catch (error) {
  fail(error && error.message ? error.message : String(error));
}
