import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './i18n';

const nonce = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? undefined;

// The Content-Security-Policy admits only <style> elements that carry this response's nonce. The component library
// passes it where it is configured (ConfigProvider csp), but a few helpers (the table's scrollbar measure) insert a
// <style> of their own: every style element this page inserts gets the nonce. Scripts stay 'self' only.
if (nonce) {
  const tag = <T extends Node>(n: T): T => {
    if (n instanceof HTMLStyleElement && !n.nonce) n.nonce = nonce;
    return n;
  };
  const append = Node.prototype.appendChild;
  const insert = Node.prototype.insertBefore;
  Node.prototype.appendChild = function <T extends Node>(this: Node, n: T): T {
    return append.call(this, tag(n)) as T;
  };
  Node.prototype.insertBefore = function <T extends Node>(this: Node, n: T, ref: Node | null): T {
    return insert.call(this, tag(n), ref) as T;
  };
}
const queries = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <App nonce={nonce} />
    </QueryClientProvider>
  </StrictMode>,
);
