import { Checkbox } from 'antd';

export type ReportLanguage = 'en' | 'zh';

/** Which languages a report is made in (a PDF and CSVs each). */
export function Languages({ value, onChange }: { value: ReportLanguage[]; onChange: (v: ReportLanguage[]) => void }) {
  return (
    <Checkbox.Group
      value={value}
      onChange={(v) => onChange(v as ReportLanguage[])}
      options={[
        { label: 'English', value: 'en' },
        { label: '中文', value: 'zh' },
      ]}
    />
  );
}
