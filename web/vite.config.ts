import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { linguiCatalogs } from './build/lingui-catalogs.js';
import { precompress } from './build/precompress.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// Built into dist/web, which the Leadline server serves at `/` (src/platform/http/dashboard.routes.ts).
export default defineConfig({
  root: here,
  base: '/',
  plugins: [linguiCatalogs(), react(), precompress()],
  // `npm run dev:web`: the page from Vite, the API and the live socket from a Leadline on port 3000
  // (started with CORS_ORIGINS=http://localhost:5173 so it accepts this origin).
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: 'http://127.0.0.1:3000', ws: true } },
  },
  build: {
    outDir: path.resolve(here, '../dist/web'),
    emptyOutDir: true,
    // The strict CSP allows no inline script: keep every module in a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    // Everything the first page needs in one file (ADR 0045): by default Rolldown splits what the entry
    // shares with lazily loaded screens (React, the API client, the i18n runtime) into a second chunk,
    // a second request whose headers alone cost the inbox's first load about 1 KB.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] } } },
  },
});
