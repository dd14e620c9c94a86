import { defineConfig } from 'vite';

// Preact without a plugin: esbuild's automatic JSX runtime from preact/jsx-runtime.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  // `npm run portal:dev` style: the API of a running stack behind Vite's dev server
  server: { proxy: { '/api': process.env.OFFER_API_URL ?? 'http://127.0.0.1:3000' } },
});
