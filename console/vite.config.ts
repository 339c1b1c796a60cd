import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Everything the console needs is bundled: no CDN, no web fonts, nothing fetched at run time.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        manualChunks: (id) =>
          id.includes('node_modules/antd') || id.includes('node_modules/@ant-design') || id.includes('node_modules/rc-')
            ? 'antd'
            : id.includes('node_modules/wavesurfer.js')
              ? 'wavesurfer'
              : undefined,
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/auth': 'http://127.0.0.1:8080' } },
});
