import { Card } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '../../api/schema';
import { Chart } from '../../Chart';

type Utterance = components['schemas']['Utterance'];

/**
 * Sentiment per turn over the conversation's time, one line per speaker (the sentiment model's p(positive) −
 * p(negative), −1…1); a click on a point seeks the call there.
 */
export function SentimentTimeline({ utterances, onSeek }: { utterances: Utterance[]; onSeek?: (ms: number) => void }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const series = (['customer', 'agent'] as const).map((who) => ({
      name: who === 'agent' ? t('agentSpeaker') : t('customerSpeaker'),
      type: 'line',
      step: false,
      symbolSize: 8,
      connectNulls: true,
      data: utterances
        .filter((u) => u.speaker === who && u.sentimentScore !== null)
        .map((u) => [Math.round(u.startMs / 100) / 10, Math.round((u.sentimentScore ?? 0) * 100) / 100]),
    }));
    return {
      color: ['#a8071a', '#0958d9'],
      tooltip: { trigger: 'item' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 32 },
      xAxis: { type: 'value', name: 's', min: 0 },
      yAxis: { type: 'value', min: -1, max: 1, name: t('sentiment') },
      series,
    };
  }, [utterances, t]);
  if (!utterances.some((u) => u.sentimentScore !== null)) return null;
  return (
    <Card size="small" title={t('sentimentTimeline')} data-testid="sentiment-timeline">
      <Chart
        option={option}
        height={200}
        label={t('sentimentTimeline')}
        onClick={onSeek ? (p) => onSeek(Number((p.value as number[])[0]) * 1000) : undefined}
      />
    </Card>
  );
}
