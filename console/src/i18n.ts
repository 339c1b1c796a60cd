import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { resources } from './locales';

export { resources };

export type Lang = keyof typeof resources;
const saved =
  (localStorage.getItem('hotline.lang') as Lang | null) ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');

void i18n.use(initReactI18next).init({
  resources,
  lng: saved,
  fallbackLng: false,
  interpolation: { escapeValue: false },
  // a text without a translation is an error on the console (the browser tests fail on it)
  saveMissing: true,
  missingKeyHandler: (lngs, _ns, key) => console.error(`missing translation: ${key} (${lngs.join(', ')})`),
  returnNull: false,
});

export function setLanguage(l: Lang) {
  localStorage.setItem('hotline.lang', l);
  void i18n.changeLanguage(l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export default i18n;
