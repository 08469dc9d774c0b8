// A small W3C WebDriver client over fetch, for driving the real StationDesk window
// through WebKitWebDriver (webkit2gtk-driver). No dependencies.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeout` ms. */
export async function waitFor(what, probe, { timeout = 30_000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await sleep(interval);
  }
}

/** Errors worth retrying: the driver or the browser it launches was not ready or dropped the connection. */
function isTransient(error) {
  const text = `${error?.message} ${error?.cause?.code ?? ''} ${error?.cause?.message ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|fetch failed|other side closed|UND_ERR/i.test(text);
}

export async function withRetries(what, action, { attempts = 4, delay = 1_000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      console.error(`# ${what}: transient failure (${error.message}), retry ${attempt}/${attempts - 1}`);
      await sleep(delay * attempt);
    }
  }
}

/** WebKitWebDriver on a free port, in its own process group so the app it launches dies with it. */
export class Driver {
  static async start({ binary = 'WebKitWebDriver', env = {} } = {}) {
    const port = await freePort();
    const child = spawn(binary, [`--port=${port}`], {
      env: { ...process.env, TAURI_WEBVIEW_AUTOMATION: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const driver = new Driver(child, `http://127.0.0.1:${port}`);
    await waitFor(
      `WebKitWebDriver to listen on port ${port}`,
      async () => {
        if (driver.exited) throw new Error(`WebKitWebDriver exited (${driver.exited})\n${driver.log}`);
        const res = await fetch(`${driver.url}/status`);
        return res.ok;
      },
      { timeout: 15_000, interval: 100 },
    );
    return driver;
  }

  constructor(child, url) {
    this.child = child;
    this.url = url;
    this.log = '';
    this.exited = null;
    const keep = (chunk) => {
      this.log = (this.log + chunk).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => {
      this.exited = `spawn error: ${error.message}`;
    });
    child.on('exit', (code, signal) => {
      this.exited = `code ${code}, signal ${signal}`;
    });
  }

  async request(method, path, body) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (!res.ok || json.value?.error) {
      const { error, message } = json.value ?? {};
      const err = new Error(`${method} ${path}: ${error ?? `HTTP ${res.status}`}: ${message ?? text.slice(0, 500)}`);
      err.webdriverError = error;
      throw err;
    }
    return json.value;
  }

  /** Launches `binary` with `args` and returns the session. */
  async newSession(binary, args = []) {
    const capabilities = {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary, args },
        },
      },
    };
    const value = await withRetries('creating the WebDriver session', () =>
      this.request('POST', '/session', capabilities),
    );
    return new Session(this, value.sessionId);
  }

  /** Kills the driver and whatever it launched (its process group). */
  stop() {
    if (this.exited || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGTERM');
    } catch {
      this.child.kill('SIGTERM');
    }
  }
}

export class Session {
  constructor(driver, id) {
    this.driver = driver;
    this.id = id;
  }

  cmd(method, path = '', body) {
    return this.driver.request(method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    await this.cmd('DELETE');
  }

  url() {
    return this.cmd('GET', '/url');
  }

  title() {
    return this.cmd('GET', '/title');
  }

  source() {
    return this.cmd('GET', '/source');
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** A base64 PNG of the window. */
  screenshot() {
    return this.cmd('GET', '/screenshot');
  }

  async findAll(css, from) {
    const path = from ? `/element/${from.id}/elements` : '/elements';
    const found = await this.cmd('POST', path, { using: 'css selector', value: css });
    return found.map((ref) => new Element(this, ref[ELEMENT]));
  }

  async findAllXPath(xpath, from) {
    const path = from ? `/element/${from.id}/elements` : '/elements';
    const found = await this.cmd('POST', path, { using: 'xpath', value: xpath });
    return found.map((ref) => new Element(this, ref[ELEMENT]));
  }

  /** Waits for an element matching `css` that is displayed, and returns it. */
  async waitForVisible(css, options) {
    return waitFor(
      `a visible ${css}`,
      async () => {
        for (const element of await this.findAll(css)) {
          if (await element.displayed()) return element;
        }
        return null;
      },
      options,
    );
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }

  click() {
    return this.cmd('POST', '/click', {});
  }

  clear() {
    return this.cmd('POST', '/clear', {});
  }

  type(text) {
    return this.cmd('POST', '/value', { text });
  }

  text() {
    return this.cmd('GET', '/text');
  }

  tagName() {
    return this.cmd('GET', '/name');
  }

  property(name) {
    return this.cmd('GET', `/property/${name}`);
  }

  displayed() {
    return this.cmd('GET', '/displayed');
  }

  /** As WebDriver wants it when passing an element to a script. */
  toJSON() {
    return { [ELEMENT]: this.id };
  }
}
