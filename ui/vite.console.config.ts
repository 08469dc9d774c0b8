import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The head-office console: a second page of the same UI (src/console/), served
// by the head office under /console/ (crates/headoffice/src/routes/console_ui.rs).
// `npm run build` builds it after the station's UI, into dist-console/. Paths
// below are relative to `root`, the console/ folder that holds its index.html.
export default defineConfig({
  root: 'console',
  base: '/console/',
  plugins: [svelte({ configFile: '../svelte.config.js' })],
  clearScreen: false,
  server: {
    port: 5174,
    strictPort: true,
    fs: { allow: ['..'] },
    // `npm run dev:console` talks to a head office on 8480 (scripts/headoffice.sh serve).
    proxy: { '/console/api': 'http://127.0.0.1:8480' },
  },
  build: {
    outDir: '../dist-console',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
});
