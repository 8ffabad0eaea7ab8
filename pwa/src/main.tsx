/** Entry point: open the database, render, then start syncing and register the service worker. */

import { render } from "preact";
import { locale } from "./i18n";
import { startRuntime } from "./runtime";
import { registerServiceWorker } from "./sw-register";
import { App } from "./ui/App";
import "./ui/app.css";

async function main(): Promise<void> {
  document.documentElement.lang = locale.value;
  const rt = await startRuntime();
  render(<App />, document.getElementById("app")!);
  rt.scheduler.start();
  registerServiceWorker();
  // Ask the browser not to evict our outbox and photos under storage pressure.
  void navigator.storage?.persist?.().catch(() => false);
}

void main();
