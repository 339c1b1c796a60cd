import { describe, expect, it } from 'vitest';
import { tone } from '../../src/understanding/tone';

/**
 * The tone signal (understanding/tone.ts, recorded with the models as `tone-N`): how an agent's and a customer's turns read,
 * from the sentiment model's answer and the readings that correct it — empathy, the call's facts, the agent's
 * attitude (with its cue), a bald refusal, a complaint, sarcasm.
 */
describe('the tone signal', () => {
  it('tone: an empathetic or mirroring agent turn is not negative; a polite complaint is', () => {
    const turns = [
      { seq: 0, speaker: 'customer', text: 'the payment failed twice and my rent is late' },
      { seq: 1, speaker: 'agent', text: 'i am so sorry to hear that' },
      { seq: 2, speaker: 'agent', text: 'so the payment failed twice and the rent is late' },
      { seq: 3, speaker: 'agent', text: 'that is a stupid question' },
      { seq: 4, speaker: 'customer', text: 'thank you but i would like to file a formal complaint please' },
      { seq: 5, speaker: 'customer', text: 'thank you for your help' },
      { seq: 6, speaker: 'agent', text: 'i understand but the fee is in your contract' },
    ];
    const model = [
      { label: 'negative' as const, score: -0.9 },
      { label: 'negative' as const, score: -0.7 },
      { label: 'negative' as const, score: -0.6 },
      { label: 'negative' as const, score: -0.8 },
      { label: 'positive' as const, score: 0.6 },
      { label: 'positive' as const, score: 0.9 },
      { label: 'negative' as const, score: -0.5 },
    ];
    expect(tone(turns, model).map((s) => s.label)).toEqual([
      'negative',
      'neutral',
      'neutral',
      'negative',
      'negative',
      'positive',
      'negative',
    ]);
  });

  it("tone: an agent blaming or dismissing the caller is negative whatever the model says; the call's facts told plainly are not", () => {
    const agent = (text: string) => ({ seq: 0, speaker: 'agent', text });
    const neutral = { label: 'neutral' as const, score: -0.1 };
    const negative = { label: 'negative' as const, score: -0.95 };
    const label = (text: string, s: { label: 'neutral' | 'negative'; score: number }) =>
      tone([agent(text)], [s])[0].label;
    // attitude the review-trained model misses
    for (const t of [
      'you should have read the terms before signing',
      'i already told you twice, listen',
      'calm down or i will end this call',
      'well that is your fault for sharing your pin',
      'you people never read the letters',
    ])
      expect(label(t, neutral), t).toBe('negative');
    expect(label('Whatever. It is the policy.', neutral)).toBe('negative');
    // the facts of the call and courtesy the model reads as negative
    for (const t of [
      'there is a fee of three pounds for an emergency replacement',
      'the direct debit failed because there were not enough funds',
      'it looks like the cheque bounced',
      'no problem at all',
      'whatever you need, i am happy to help',
      // security advice: the agent looking after the caller
      "don't share it with anyone, including us",
      'we will never ask you for your pin',
      'keep it somewhere safe and never write it down',
      // a scam named as not the bank's (tone-13, held-out 106's t08)
      "That message wasn't from us. Please don't click the link or reply to it.",
      "We'll never text you a link to log in.",
    ])
      expect(label(t, negative), t).not.toBe('negative');
    // acting with the caller is service (tone-13, held-out 108's v03)
    expect(label("That's annoying, let's get you back in. Have you changed phones recently?", negative)).toBe(
      'neutral',
    );
    // the same verbs said of what the caller failed to do are blame, not advice
    expect(label("If you don't open your post, that's not something I can fix.", negative)).toBe('negative');
    // "you should have" that blames nobody
    expect(label('you should have received a text from us this morning', neutral)).toBe('neutral');
    // an obligation said on the caller's side is not hindsight (tone-14, held-out 121's s13)
    expect(label("I'm sorry, that's not something you should have to live with.", neutral)).toBe('neutral');
    expect(label('You should have called us before you went abroad.', neutral)).toBe('negative');
    // a negative turn with neither stays negative; understanding taken back with "but" stays negative
    expect(label('i really could not care less', negative)).toBe('negative');
    expect(label('i understand but the fee is in your contract', negative)).toBe('negative');
  });

  it('tone-4: dismissal and blame are negative; asking for details, "sorry about that" and a slight lean are not; sarcasm is', () => {
    const agent = (text: string) => ({ seq: 0, speaker: 'agent', text });
    const label = (text: string, s: { label: 'neutral' | 'negative'; score: number }) =>
      tone([agent(text)], [s])[0].label;
    const neutral = { label: 'neutral' as const, score: -0.1 };
    const negative = { label: 'negative' as const, score: -0.6 };
    for (const t of [
      "That's the policy I'm afraid, there's nothing I can do about it.",
      'Not much I can do if you did not read it.',
      "That's just how it works. You agreed to it when you opened the account.",
      'Nope, not my department.',
      'No. Fees are fees, you should have made sure there was money in the account.',
      "Right. Well, you shouldn't leave cards in the car.",
      'Tough. Use the website then.',
      'Dunno. Ring the branch.',
    ])
      expect(label(t, neutral), t).toBe('negative');
    for (const t of [
      "Of course, I'll just need to verify you first. What's your postcode and date of birth?",
      'Sorry about that, that sounds really frustrating. Could you try updating the app?',
    ])
      expect(label(t, negative), t).toBe('neutral');
    // reassurance is not blame; a "but" that gives something back does not take the understanding back
    expect(label("you shouldn't have any trouble with it now", neutral)).toBe('neutral');
    expect(
      label(
        "I'm sorry, I can see why that's frustrating. The fee is in your terms, but as a gesture of goodwill I've refunded it.",
        negative,
      ),
    ).toBe('neutral');
    // a lean the model hardly makes
    expect(label('our consolidation loan is a great option', { label: 'negative', score: -0.06 })).toBe('neutral');
    // a customer's sarcasm is negative; thanks with praise is not
    const customer = (text: string) =>
      tone([{ seq: 0, speaker: 'customer', text }], [{ label: 'positive', score: 0.9 }])[0].label;
    for (const t of [
      'oh great, another fee. just what i needed',
      'wow, fantastic service as always, three hours on hold',
      "well that's just perfect isn't it",
      'yeah right, like that is going to happen',
    ])
      expect(customer(t), t).toBe('negative');
    for (const t of ['great, it works again', 'perfect, thank you so much', 'brilliant, the fee has been refunded'])
      expect(customer(t), t).toBe('positive');
    // a refusal followed by a question is still read as a whole: the statement is not a question
    expect(label('it will not be refunded, no. Is that everything?', negative)).toBe('negative');
  });

  it('tone-5: the phrases service guides tell agents never to say are negative; the agent acting for the caller is not', () => {
    const label = (text: string, s: { label: 'neutral' | 'negative'; score: number }) =>
      tone([{ seq: 0, speaker: 'agent', text }], [s])[0].label;
    // negative whatever the model says
    const negative = [
      // the phrases service guides list
      'That’s company policy, rules are rules.',
      'My hands are tied. What do you want me to do?',
      "That's not our responsibility, sort it out yourself with the shop.",
      "If you don't like it, take your business elsewhere.",
      "Nobody else has complained. It's not a big deal.",
      "There's nothing more I can do.",
      // impatience, condescension and refusing to engage, as politeness research marks them
      "That's not how it works.",
      "I've already explained this twice.",
      "There's no need to shout.",
      'Those are the rules.',
      "You'll just have to be patient.",
      "I don't know what you want me to say.",
      'Fine, whatever you want.',
      "Look, I haven't got all day.",
      "You're not the only customer I have.",
      "I'm not going to argue with you.",
      "That's your problem, not mine.",
      "You clearly didn't read the terms.",
      // "should've" is "should have"
      "Well, obviously you should've read how cut-off times work.",
      // a curt redirection with no courtesy in the turn
      "Yeah well, that's progress. Use the app.",
      "OK. Call back if it doesn't turn up.",
      'Not today. Apply again in six months.',
      // held-out 11
      "We've been through this. You paid a day late, so interest applied. End of.",
      "Transfer fees aren't refundable. Nothing to discuss.",
      "Fine. If you want it stopped you'll have to phone.",
      // held-out 51 (tone-10): the refusal handed to a machine
      "Computer says no, I'm afraid. You can reapply in six months.",
    ];
    for (const t of negative) expect(label(t, { label: 'neutral', score: 0 }), t).toBe('negative');
    // not negative whatever the model says: acting for the caller, "I can't …, but I can …", a risk warning
    const service = [
      "Sure thing, I'll also send you a confirmation. Anything else?",
      "I've updated the mandate so it won't fail again.",
      "I'm so sorry you've been unwell. I'm afraid I can't remove this fee myself, but I can refer it to our team.",
      "I'm not able to give advice, but you can speak to an adviser for free.",
      'Nobody can guarantee that. Investments go up and down, and you could get back less than you put in.',
    ];
    for (const t of service) expect(label(t, { label: 'negative', score: -0.8 }), t).toBe('neutral');
    // an instruction with "please", "sorry" or an explanation is not a curt redirection
    for (const t of [
      'Sorry, the app is down. Try again in an hour.',
      'Please call the number on the back of your card.',
      "For your security we can't send balances by text. Log into the app or call the number on the back of your card.",
    ])
      expect(label(t, { label: 'neutral', score: 0 }), t).not.toBe('negative');
    // a refusal with nothing done stays as the model reads it
    expect(label('Security. I cannot tell you more than that.', { label: 'negative', score: -0.8 })).toBe('negative');
  });

  it('tone-6: a bald refusal the model leans negative on stays negative; impoliteness formulae are negative', () => {
    const label = (text: string, s: { label: 'neutral' | 'negative'; score: number }) =>
      tone(
        [
          { seq: 0, speaker: 'customer', text: 'can you waive the late fee, I was overdrawn by three pounds' },
          { seq: 1, speaker: 'agent', text },
        ],
        [{ label: 'neutral', score: 0 }, s],
      )[1].label;
    const leans = { label: 'neutral' as const, score: -0.45 };
    // the agent's words decided: the reading says so (what a dismissive-language rule reads); the model's lean alone
    // does not
    const cue = (text: string, s: { label: 'neutral' | 'negative'; score: number }) =>
      tone([{ seq: 0, speaker: 'agent', text }], [s])[0].cue;
    expect(cue('Not happening. The fee stands.', leans)).toBe('attitude');
    expect(cue("Like I said, it's pending.", { label: 'neutral', score: 0 })).toBe('attitude');
    expect(cue('It is pending.', { label: 'negative', score: -0.9 })).toBeUndefined();
    // refused, blamed or closed with no redress: the call's facts in it ("fee", "overdrawn") do not make it neutral,
    // and a lean in the model's neutral band is enough
    for (const t of [
      "Because you went overdrawn. That's a you problem, not a bank problem.",
      "We sent you a letter in March. If you don't open your post, that's not something I can fix.",
      "Wrong account is your mistake, we can't touch it.",
      // "Well," opens a rude turn too: it is not "we'll"
      "Well, that's your mistake, we can't touch it.",
    ]) {
      expect(label(t, leans), t).toBe('negative');
      // the model reading it positive has the last word: a bald refusal is a reading of the model's lean
      expect(label(t, { label: 'neutral', score: 0.1 }), t).toBe('neutral');
    }
    // "No." on its own is a refusal; a "no" opening an answer is not ("no, there's no fee", "No, you've done nothing
    // wrong"), nor a recogniser's unpunctuated one; a call's segment "okay and" is "Ok and?"
    expect(label('No. It was correct when it was charged.', leans)).toBe('negative');
    expect(label("no there's no fee for that at all the exchange rate is shown before you confirm", leans)).toBe(
      'neutral',
    );
    expect(label("No, you haven't done anything wrong, it's our error.", leans)).toBe('neutral');
    expect(label('okay and', { label: 'neutral', score: 0 })).toBe('negative');
    // … but the matter closed with no redress ("Not happening. The fee stands.") is negative whatever the model reads
    expect(label('Not happening. The fee stands.', { label: 'neutral', score: 0.1 })).toBe('negative');
    // the same refusals with redress, or the call's facts told plainly, are not
    for (const t of [
      "I'm afraid the fee stands, but I can set up a payment plan.",
      'Sorry, we can’t touch a payment once it has left, but let me raise a recall with the other bank.',
      'The fee was charged because the account went overdrawn on the 3rd.',
      'Nothing has come in this month yet.',
      "Don't share it with anyone, including us.",
      'We cannot waive it on chat. Would you like a call back from the team that can?',
    ])
      expect(label(t, leans), t).toBe('neutral');
    // Culpeper's impoliteness formulae: message enforcers, impatience, condescension, dismissals
    for (const t of [
      'Yes, yes, I heard you the first time. It is pending.',
      'How many times do I have to say it? The payment is pending.',
      'You pay it by the 5th. Is that clear?',
      "It's not rocket science, just tap Cards.",
      'Did you even read the letter?',
      "Don't bother calling again about it.",
      // written service's passive-aggressive set phrases, sarcasm, a sigh, a tautology (held-out 13)
      "As stated in my previous message, it's the monthly fee.",
      'Dear customer, per my last email, complaints take up to 8 weeks.',
      'Ok and?',
      'Seriously? You went over your limit twice last month.',
      "Sigh. Fine, I'll look.",
      'Is there a question in there? Permits take as long as they take.',
      'Fees are fees.',
      "You'll get it sorted when you get it sorted.",
      'Try reading the letter before getting in touch.',
      // closing the matter formally, handing it on, talking down (held-out 14)
      'Dear customer, your request has been reviewed and declined. No further correspondence will be entered into.',
      "That's between you and the retailer.",
      'Nothing we can do. Chase the shop.',
      "You do realise it's a Sunday? Nothing clears at weekends.",
      "Obviously we'd need the date and amount. Noted.",
      // passing it up, sarcasm, impatience (held-out 15)
      "That's above my pay grade. Good luck with that.",
      "I don't make the decisions, I just pass them on. You'll have to speak to someone who cares.",
      "Can you get to the point? I've got a queue.",
      "We've had this conversation. It was flagged for fraud checks.",
      "If you can't manage your account online, that's not on us. I'm not here to argue.",
      'Order a new card in the app.',
      // the matter closed with no redress (held-out 16)
      'Rules are there for a reason. The fee stays.',
      'Welcome to the real world, rates went up.',
    ])
      expect(label(t, { label: 'neutral', score: 0 }), t).toBe('negative');
    // not negative whatever the model says: "oh no" and a bare "sorry" are empathy, an amount read out is the
    // account's facts, a "but" followed by what the agent did gives something back
    for (const t of [
      "Oh no. Let's get it locked first. Can you confirm your postcode?",
      'Your last three were Tesco 23.10, Shell 45.00 and Netflix 10.99.',
      "Sorry, we can't share balances by text. Log in to the app or reply CALL and we'll phone you.",
      "I'm so sorry, that sounds stressful. Unfortunately we can't reverse it, but I've raised a recall with their bank.",
    ])
      expect(label(t, { label: 'negative', score: -0.8 }), t).toBe('neutral');
    // ("a question" or "the rules" said once is no tautology)
    for (const t of [
      'Fees are charged monthly.',
      'Is there a question about the permit?',
      "Noted, I'll pass that on to the team.",
      'You can contact the retailer first, and if they do not refund you we can raise a chargeback.',
      // reassurance opened with "no" is not a refusal
      "No no, don't worry at all, it happens to everyone. Let's do it step by step.",
      // the matter closed with redress
      'Sorry, the fee stays on this one, but I can set up a payment plan.',
      "I'm afraid the decision is final, but you can ask the ombudsman to review it.",
    ])
      expect(label(t, { label: 'neutral', score: 0 }), t).toBe('neutral');
  });

  /** the agent's reply to the customer's turn, the model reading the customer neutral and the reply at `score` */
  const reply = (asked: string, text: string, score = 0) =>
    tone(
      [
        { seq: 0, speaker: 'customer', text: asked },
        { seq: 1, speaker: 'agent', text },
      ],
      [
        { label: 'neutral', score: 0 },
        { label: score < 0 ? 'negative' : 'neutral', score },
      ],
    )[1];
  const ASK = 'can you help me with this';

  it('tone-7: a request turned down with nothing around it, read from the turn it answers, is negative', () => {
    // a request to take it further with no step taken, a "when?" with no time: a snub, with the attitude cue
    for (const [asked, text] of [
      ['I want to speak to a manager', "They'll say the same as me. Save yourself the time."],
      ["I'd like to make a complaint", 'It won’t change anything.'],
      ['when?', 'Eventually.'],
      ['when will I get it back', "When it's sent."],
      ['how long will the refund take', 'Sooner or later it shows up.'],
    ])
      expect(reply(asked, text), text).toEqual({ label: 'negative', score: -0.5, cue: 'attitude' });
    // [the customer's turn, the agent's reply] the agent's words decide as the attitude (held-out 17 to 23)
    const attitude: Array<[string, string]> = [
      ['can you put me through to someone more senior?', 'Nobody more senior will say anything different.'],
      ['is there someone else I can speak to?', "There is, but you'll get the same answer."],
      ["my card's been nicked", 'Sounds like a police matter.'],
      ['I left my card in a taxi last night', 'Taxi drivers usually hand them in. Give it a few days.'],
      ['I want to speak to a supervisor', "You can ask all you like, they're busy."],
      // the matter closed in a sentence of its own, condescension about how a thing works, a command handed back
      ['can you waive the fee', 'Not our mistake. Fee remains.'],
      ['can you waive the fee', 'Your charge stands as it is.'],
      [
        'can you waive the fee',
        "That's not how annual fees work, I'm afraid. You pay it whether you use the card or not.",
      ],
      ['can you waive the fee', "Buy a new one then, they're six quid."],
      // a generic truth of trouble offered for the customer's own, with nothing done and no redress
      ['my replacement card has not come', 'Post is slow.'],
      ['my replacement card has not come', 'Payments fail sometimes.'],
      ['my replacement card has not come', 'Mistakes happen.'],
      ['my replacement card has not come', 'Cards get lost all the time.'],
      // on a call (no punctuation) "… next question" ending the segment with no redress
      ['why cant i pay in a cheque', 'because the app doesnt do that next question'],
      ...[
        "It's self-explanatory really.",
        "Because the app doesn't do that. Next question?",
        // written service closing the matter, no duty to explain
        'We are unable to provide reasons for credit decisions. Any further queries on this matter will not receive a response.',
        'Our records show the machine dispensed correctly. We consider this matter closed.',
        'The bank is not obliged to give reasons for closing accounts. Regards, Customer Services',
        // responsibility put elsewhere, the customer's competence questioned, hindsight and blame put on the customer
        "Roads get potholes, that's life.",
        "That's on the team, not me.",
        'Whoever told you that was wrong.',
        'Have you tried typing them correctly?',
        'Did it not occur to you to check the account number?',
        'You could have downloaded it at the time.',
        'We did send one. Maybe check your post more often.',
        "Did you read the fee leaflet? It's all there.",
        // impatience, tautology, belittling
        "Because that's how long it takes.",
        'Not much I can say to that.',
        'Yes. Other people are waiting too, you know.',
        "And I've been answering other people for 20 minutes.",
        "You're speaking to me, and I've already said no.",
        'So has everyone else.',
        'Because I said so.',
        'Everyone has an excuse.',
        'Welcome to Monday.',
        'And you want us to do what exactly?',
        'Did you tell us you were travelling? No? Well then.',
        // the non-apology, a rule with no exceptions, a rhetorical question (held-out 24)
        'Sorry you feel that way.',
        'Fees are applied automatically per the terms. We do not make exceptions.',
        'Who uses cheques these days?',
        // bare commands
        'We have thousands of streetlights. Be patient.',
        'Talk to the shop.',
      ].map((text): [string, string] => [ASK, text]),
    ];
    for (const [asked, text] of attitude) expect(reply(asked, text).cue, text).toBe('attitude');
    // the same requests answered with a step, a time, a question or any redress are not; nor the words without the
    // request, nor the facts of the case told plainly
    const not: Array<[string, string]> = [
      ['I want to speak to a manager', 'Of course, let me see if my supervisor is free.'],
      ['I want to speak to a manager', "I'm afraid none are free right now. Would you like a call back?"],
      ['is there someone else I can speak to?', "Of course, I'll get my team leader."],
      ["I'd like to make a complaint", "I'll log that for you now."],
      ['when?', 'By Friday.'],
      ['when will I get it back', 'Usually within 3 to 5 working days.'],
      ['when will I get it back', "Sorry, I don't have a date yet. It depends on the retailer."],
      ['how long will the refund take', "It's normally quick."],
      ['my card is not working', 'When it is sent.'],
      [
        'I left my card in a taxi last night',
        "I've cancelled that card so nobody can use it, and a replacement is on its way.",
      ],
      ['I left my card in a taxi last night', 'for security whats your date of birth'],
      ['I left my card in a taxi last night', 'Right, let me stop it now.'],
      ['can you waive the fee', 'The fee remains £5 a month while the account is open.'],
      ['can you waive the fee', "Let me explain how annual fees work: it's charged once a year."],
      ['can you waive the fee', 'See you then, and thanks for calling.'],
      ['can you waive the fee', "Then you'll need to reset it in the app, and I can stay on the line while you do."],
      ['my replacement card has not come', 'Payments are processed overnight.'],
      ['my replacement card has not come', 'Cheques take three working days.'],
      ['my replacement card has not come', "Transfers get delayed sometimes, so I've chased it."],
      ['my replacement card has not come', "Things happen, I'm afraid."],
      ['it is 4 7 1', 'thank you next question'],
      [ASK, 'You could have been charged twice, so I checked: you were not.'],
      [ASK, "I'm afraid you could have downloaded it at the time, but I can order a copy for you."],
      [ASK, 'Have you tried typing them in the app instead of the website?'],
    ];
    for (const [asked, text] of not) expect(reply(asked, text).cue, text).toBeUndefined();
    for (const [asked, text] of not.slice(0, 9)) expect(reply(asked, text).label, text).toBe('neutral');
  });

  it('tone-9: a customer who has asked before or writes about a death, answered with the work handed back and no acknowledgement', () => {
    const bereaved =
      "for the third time I am asking you to close my late father's account. I have sent the death certificate twice.";
    expect(reply(bereaved, 'We have no record of receiving it. Please send it again and allow 28 days.').cue).toBe(
      'attitude',
    );
    expect(reply('I have asked twice for my statement', "You'll need to request it in the app.").cue).toBe('attitude');
    // acknowledged, or a step taken, or the same words to a first request: not a snub
    for (const [asked, text] of [
      [bereaved, "I'm very sorry for your loss. Please send it again and I'll close the account the day it arrives."],
      [bereaved, "We've found both copies and closed the account today."],
      ['I have asked twice for my statement', "I've ordered it now; please allow 5 days."],
      ['can I close my account', 'Please send us a signed letter and allow 5 working days.'],
    ])
      expect(reply(asked, text).cue, text).toBeUndefined();
  });

  it("tone-7: where the words do not decide, the model's lean does", () => {
    // a short follow-up for the specifics answered with none, that the model leans negative on
    expect(reply('which criteria?', 'The ones we use.', -0.46).cue).toBe('attitude');
    expect(reply('which criteria?', 'Affordability and your credit file.', 0.1).cue).toBeUndefined();
    expect(reply('which criteria?', 'The 2 in the letter.', -0.46).cue).toBeUndefined();
    // the agent acting for the caller, a completed action reported, empathy, "you had to chase it": not negative
    // whatever the model reads
    for (const [asked, text] of [
      [
        'can I speak to your manager please',
        "Sure, I'll pass you over now. They'll be with you in a couple of minutes.",
      ],
      [
        'how long will the chargeback take?',
        "Up to 45 days, depending on the merchant's bank. I'll message you as soon as there's an update.",
      ],
      [
        'you blocked my card again while I am abroad',
        "I hear you, it's maddening. I've unblocked it and added a travel note until the 30th.",
      ],
      [
        'you blocked my card again while I am abroad',
        "I'm really sorry you've had to chase it so many times. I've escalated it to the complaints team.",
      ],
      ['you blocked my card again while I am abroad', "We've reinstated the card and I've added a note."],
    ])
      expect(reply(asked, text, -0.8).label, text).toBe('neutral');
    // a command to chase it is still the matter handed on
    expect(reply('you blocked my card again while I am abroad', 'Nothing we can do. Chase the shop.', -0.8).label).toBe(
      'negative',
    );
  });

  it('tone-15: a customer\'s indignation is negative, a bare "ok" or a polite question about a fee is not (held-out 125)', () => {
    const customer = (text: string, model: { label: 'negative' | 'neutral' | 'positive'; score: number }) =>
      tone([{ seq: 0, speaker: 'customer', text }], [model])[0].label;
    const neutral = { label: 'neutral' as const, score: -0.41 };
    const leaning = { label: 'negative' as const, score: -0.75 };
    // indignation in words with no negative vocabulary
    for (const text of [
      'Are you serious. So I have to take a day off work to change an address?',
      "So I'm expected to go another week with no card?",
      "You've got to be kidding me",
      'How am I supposed to pay my rent then',
    ])
      expect(customer(text, neutral), text).toBe('negative');
    // not indignation: a question about what to do
    expect(customer('So do I need to bring my passport?', neutral)).toBe('neutral');
    expect(customer('So I have to fill in the form first?', neutral)).toBe('neutral');
    // a bare acknowledgement, and a polite question about the account's facts
    for (const text of [
      'ok',
      'ok found it',
      'I was charged a £25 fee for a returned direct debit. Could you explain why? Thanks, Peter',
    ])
      expect(customer(text, leaning), text).toBe('neutral');
    // the same question with feeling in it, or shouted, reads as the model reads it
    for (const text of [
      "I was charged a £25 fee for a returned direct debit and I'm fed up. Could you explain why?",
      'I was charged a £25 FEE for NOTHING. Could you explain why?',
      'Why was I charged a £25 fee?! Please explain',
    ])
      expect(customer(text, leaning), text).toBe('negative');
    // sarcasm as contrast: thanks for the help, then the agent contradicted or what the customer now cannot do; a
    // resigned "Typical." (held-out 126); thanks followed by nothing of the kind is thanks
    const cheerful = { label: 'positive' as const, score: 0.77 };
    for (const text of [
      "Cheers for that, really helpful. I ordered it three weeks ago, not Monday. Now I can't pay the builder.",
      'So people without smartphones just have to trek into town then. Typical.',
      "Thanks a lot, really helpful. I can't pay my rent now because of your fee.",
    ])
      expect(customer(text, cheerful), text).toBe('negative');
    // … as a call writes them (no punctuation), and taking the money elsewhere
    for (const text of [
      'so people without smartphones just have to trick into town then typical',
      'so loyal customers get half i will be taking my savings elsewhere',
    ])
      expect(customer(text, { label: 'neutral', score: 0.1 }), text).toBe('negative');
    expect(customer('is that typical', { label: 'neutral', score: 0.1 })).toBe('neutral');
    // a weak negative reading of a complaint is made as negative as a complaint
    const weak = tone(
      [{ seq: 0, speaker: 'customer', text: 'so loyal customers get half i will be taking my savings elsewhere' }],
      [{ label: 'negative', score: -0.18 }],
    )[0];
    expect(weak.score).toBe(-0.5);
    expect(customer("Thanks a lot, really helpful. I didn't know the app could do that.", cheerful)).toBe('positive');
    expect(customer("Thanks, really helpful. I'll do that on Monday.", cheerful)).toBe('positive');
    expect(customer("Thanks a lot, really helpful. I can't pay my rent now because of your fee.", leaning)).toBe(
      'negative',
    );
    // an agent's completion reported ("Done, it's live now.") is service, not a tone
    expect(reply('can I have the overdraft', "Done, it's live now.", -0.31).label).toBe('neutral');
  });
});
