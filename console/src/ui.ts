/**
 * Tag colours dark enough for white text at WCAG AA (4.5:1): Ant Design's preset tag colours (green-7 on green-1,
 * 3.4:1) and its secondary text grey (#8c8c8c, 3.4:1) fall short, and axe-core checks every page in the tests.
 */
export const TAG = { good: '#237804', bad: '#a8071a', info: '#0958d9', warn: '#ad2102' } as const;

export const theme = {
  token: {
    colorPrimary: '#0958d9',
    colorError: '#cf1322',
    colorLink: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
  },
};
