import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { activateLocale } from './i18n/i18n';
import { browserLocale } from './i18n/locales';
import './styles.css';

const root = document.getElementById('root');
// The browser's language first (English is already there; another loads its strings before the first
// paint); a language chosen in My account follows with the session (App).
if (root) {
  void activateLocale(browserLocale()).finally(() =>
    createRoot(root).render(
      <StrictMode>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </StrictMode>,
    ),
  );
}
