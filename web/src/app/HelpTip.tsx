import { Tooltip } from 'antd';
import { QuestionCircleOutlined } from '@ant-design/icons';

/** Contextual help next to a field label (S6.6): a question mark that explains on hover or tap. */
export function HelpTip({ text }: { text: string }) {
  return (
    <Tooltip title={text} trigger={['hover', 'click']}>
      <QuestionCircleOutlined style={{ color: '#94a3b8', marginInlineStart: 4, cursor: 'help' }} aria-label={text} />
    </Tooltip>
  );
}
