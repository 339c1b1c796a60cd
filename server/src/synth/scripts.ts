/**
 * Scripted two-party dialogues for tests and the demo. `gapMs` is the pause before a turn starts, measured from
 * the end of the previous turn; a negative gap makes the turn start before the previous one ends (over-talk).
 */
export interface Turn {
  speaker: 'agent' | 'customer';
  text: string;
  gapMs?: number;
  /** the text in pieces (non-empty ones are spoken one after another), to know when each was said */
  parts?: string[];
}

export interface CallScript {
  id: string;
  title: string;
  queue: string;
  teamId: string;
  agentId: string;
  /** what a QA reviewer should find in it (ground truth for later inspection tests) */
  expect: string[];
  turns: Turn[];
}

export const CALL_SCRIPTS: CallScript[] = [
  {
    id: 'bank-compliant',
    title: 'Compliant retail-bank call: card replacement',
    queue: 'cards',
    teamId: 'team-cards',
    agentId: 'anna',
    expect: ['recording_notice', 'identity_verified', 'closing_summary'],
    turns: [
      {
        speaker: 'agent',
        text: 'Thank you for calling City Bank. My name is Anna. This call is recorded for quality and training purposes.',
      },
      { speaker: 'customer', text: 'Hello. I would like to order a new debit card please. Mine is worn out.' },
      {
        speaker: 'agent',
        text: 'Of course. Before we continue I need to verify your identity. Can you confirm your date of birth and your postcode?',
      },
      {
        speaker: 'customer',
        text: 'Yes. It is the third of March nineteen eighty. And the postcode is the same as last year.',
      },
      {
        speaker: 'agent',
        text: 'Thank you, you are verified. I have ordered a replacement card. It will arrive within five working days.',
      },
      { speaker: 'customer', text: 'That is great. Thank you very much.' },
      {
        speaker: 'agent',
        text: 'To summarize, a new card is on its way and your old card works until then. Is there anything else I can help you with today?',
      },
      { speaker: 'customer', text: 'No, that is all. Goodbye.' },
      { speaker: 'agent', text: 'Thank you for calling. Have a nice day.' },
    ],
  },
  {
    id: 'bank-no-notice',
    title: 'Bank call that never gives the recording notice',
    queue: 'general',
    teamId: 'team-general',
    agentId: 'bob',
    expect: ['missing_recording_notice'],
    turns: [
      { speaker: 'agent', text: 'City Bank, Bob speaking. How can I help you?' },
      { speaker: 'customer', text: 'Hi. I want to check why my transfer has not arrived yet.' },
      {
        speaker: 'agent',
        text: 'Before we continue I need to verify your identity. Can you confirm your date of birth?',
      },
      { speaker: 'customer', text: 'The twelfth of June nineteen seventy five.' },
      { speaker: 'agent', text: 'Thank you. I can see the transfer. It is pending and will arrive tomorrow morning.' },
      { speaker: 'customer', text: 'Okay, thanks for checking.' },
      { speaker: 'agent', text: 'You are welcome. Goodbye.' },
    ],
  },
  {
    id: 'bank-card-cvv',
    title: 'Customer reads out a card number and its security code',
    queue: 'cards',
    teamId: 'team-cards',
    agentId: 'anna',
    expect: ['pii_card_number', 'pii_cvv', 'fatal_cvv_requested'],
    turns: [
      {
        speaker: 'agent',
        text: 'Thank you for calling City Bank. This call is recorded for quality and training purposes.',
      },
      { speaker: 'customer', text: 'Hello. There is a payment on my card that I do not recognise.' },
      { speaker: 'agent', text: 'I am sorry to hear that. Can you read me the card number please?' },
      { speaker: 'customer', text: 'Yes. It is four one one one, one one one one, one one one one, one one one one.' },
      { speaker: 'agent', text: 'Thank you. And the three digit security code on the back of the card?' },
      { speaker: 'customer', text: 'The security code is seven three nine.' },
      { speaker: 'agent', text: 'Thank you. I have blocked the card and opened a dispute for the payment.' },
      { speaker: 'customer', text: 'Thank you. Goodbye.' },
    ],
  },
  {
    id: 'bank-long-silence',
    title: 'Call with a twenty second silence while the agent checks',
    queue: 'loans',
    teamId: 'team-loans',
    agentId: 'carl',
    expect: ['long_silence'],
    turns: [
      {
        speaker: 'agent',
        text: 'Thank you for calling City Bank. This call is recorded for quality and training purposes.',
      },
      { speaker: 'customer', text: 'Hello. I would like to know the balance of my loan.' },
      { speaker: 'agent', text: 'Let me check that for you. One moment please.' },
      {
        speaker: 'agent',
        text: 'Thank you for waiting. The remaining balance is four thousand two hundred dollars.',
        gapMs: 20_000,
      },
      { speaker: 'customer', text: 'Okay. Thank you.' },
      { speaker: 'agent', text: 'Is there anything else I can help you with today?' },
      { speaker: 'customer', text: 'No. Goodbye.' },
    ],
  },
  {
    id: 'bank-angry-interrupted',
    title: 'Angry customer who is interrupted by the agent',
    queue: 'complaints',
    teamId: 'team-general',
    agentId: 'bob',
    expect: ['negative_sentiment', 'over_talk', 'agent_interrupts'],
    turns: [
      { speaker: 'agent', text: 'City Bank, this call is recorded for quality and training purposes. How can I help?' },
      {
        speaker: 'customer',
        text: 'This is ridiculous. You charged me a fee again and nobody ever calls me back. I am very angry.',
      },
      { speaker: 'agent', text: 'I understand, but the fee is in your contract.', gapMs: -1500 },
      {
        speaker: 'customer',
        text: 'I do not care about the contract. This is terrible service and I want to close my account.',
      },
      { speaker: 'agent', text: 'That is not my problem. You should read the terms.', gapMs: -1200 },
      { speaker: 'customer', text: 'Unbelievable. I want to speak to your manager now.' },
      { speaker: 'agent', text: 'Fine. Please hold.' },
    ],
  },
  {
    id: 'gov-complaint',
    title: 'Government hotline: a citizen complaint with a case reference',
    queue: 'gov-complaints',
    teamId: 'team-gov',
    agentId: 'dana',
    expect: ['recording_notice', 'case_reference_given'],
    turns: [
      { speaker: 'agent', text: 'Citizen service hotline, Dana speaking. This call is recorded. How can I help you?' },
      {
        speaker: 'customer',
        text: 'I want to file a complaint. The street lights on my road have been broken for three weeks.',
      },
      { speaker: 'agent', text: 'I am sorry about that. I will register your complaint now. Which street is it?' },
      { speaker: 'customer', text: 'It is Station Road, near the school.' },
      {
        speaker: 'agent',
        text: 'Thank you. Your complaint is registered. Your case reference number is seven five two nine one.',
      },
      { speaker: 'customer', text: 'Seven five two nine one. Thank you. When will it be fixed?' },
      { speaker: 'agent', text: 'The city will answer within ten working days. Is there anything else?' },
      { speaker: 'customer', text: 'No, thank you. Goodbye.' },
    ],
  },
];
