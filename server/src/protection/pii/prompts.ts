/**
 * What a turn asks for, in the words hotline staff and customers use: a question for a security code, PIN, one-time
 * code, date of birth, card number, expiry, phone or account number puts the next turns of the other party under that
 * expectation, so the answer is protected even when it is only digits ("482") with no label next to it.
 */
type DataPromptKind =
  | 'card_number'
  | 'cvv'
  | 'pin'
  | 'otp'
  | 'expiry_date'
  | 'date_of_birth'
  | 'phone'
  | 'bank_account'
  | 'us_ssn'
  | 'cn_resident_id'
  | 'email';
/** person_name, postcode: asked for only where the masking policy masks them (see OPTIONAL_PROMPTS) */
export type PromptKind = DataPromptKind | 'person_name' | 'postcode';

/**
 * Codes that are not secrets ("the sort code", "your tracking code", "the product code"): a question for one asks for
 * no one-time code, and digits named one ("20-45-77 is the sort code") are not one.
 */
export const NOT_SECRET_CODES =
  'post|sort|zip|area|promo|discount|voucher|tax|dress|country|bar|qr|error|swift|branch|postal|gift|coupon|referral|reference|dialling|dialing|source|morse|highway|building|door|lock|product|item|colour|color|activation|tracking|booking|order|parcel|delivery|wifi|event';

export const PROMPTS: Record<DataPromptKind, RegExp> = {
  card_number:
    /\b(card ?(number|no|details|digits)|(long|16|sixteen|15|fifteen)[- ]digit|long number|number (on|across) the (front of (the |your )?)?card|digits on the front|(debit|credit|visa|mastercard|amex|bank) card|card (is|was|reads|ending)|my card|your card|the card)\b/,
  // (an Amex's "four digits on the front"; not "the last four digits on the front", a part of the card number)
  cvv: /\b(cvv2?|cvc2?|cv2|cid|security (code|number|digits)|card verification|verification (value|number)|(three|3|four|4)[- ]digits? (code|number)|(back|rear|reverse) of (the|your|my) card|signature (strip|stripe|panel|box)|where you sign|sec(urity)? (code|no)|(flip|turn) (the|your|my) card (over|round|around)|(digits?|numbers?|code)\b.{0,20}\b(on|at|from|off) the (back|reverse|rear)( of)?|(?<!\b(last|first|final) )\b(four|4)[- ](digits?|numbers?|digit code)( [a-z]+){0,3} (on|at|from) the front)\b/,
  // the PIN, and the digits of a PIN or passcode asked for one by one ("the second and fourth digits of your passcode")
  // … and "the second and fourth X of your Y" when the recogniser misheard X and Y ("the second and fourth ages of
  // yorkin"), or with what they are of misheard ("the first and last digit the york", "… last year the york"):
  // positions asked for one by one are a secret asked for in part (on a call "the second then fifty digits of york …":
  // "and" heard as "then" or "in", "fifth" as "fifty")
  // (a selection whose second half a call lost: "what are the first and surges of yorkin" for "… third digits of your PIN",
  // "can you give me the second digits of yorkin" for "the second and fourth digits of your PIN": one position said with
  // "digits" in the plural)
  // (a selection whose joining words a call garbled: "what are the second insist fifteers of your memorable number" for
  // "the second and fifth characters of …": a position, then at most three words, then "of your" secret)
  pin: /\b(pin( number| code)?|personal identification number|(first|second|third|fourth|fifth|sixth|seventh|eighth|1st|2nd|3rd|4th|5th|6th)( [a-z]+){1,3} (of|from|in) your (pin|pass ?code|password|passnumber|memorable (word|number|information))|(digits?|characters?|letters?)( (number )?[0-9]+,?)+( and [0-9]+)? (of|from|in) (your|the) (pin|pass ?code|password|passnumber|memorable (word|number|information))|(digits?|numbers?|characters?) (of|from|in) (your|the) (pin|pass ?code|password|passnumber|memorable (word|number|information)|security number)|(first|second|third|fourth|fifth|sixth|seventh|eighth|last|1st|2nd|3rd|4th|5th|6th)( (and|then|an|in) (the )?(first|second|third|fourth|forth|fifth|fifty|sixth|sixty|seventh|eighth|last|1st|2nd|3rd|4th|5th|6th))+ (\w+ (of|from|in|the)|digits?|numbers?|characters?)|(what are|what'?s|what is|give me|tell me|can i (have|take|get)|could i (have|take|get)|read me)( the| your)? (first|second|third|fourth|fifth|sixth|last|1st|2nd|3rd|4th|5th|6th) and|(first|second|third|fourth|fifth|sixth|seventh|eighth|1st|2nd|3rd|4th|5th|6th) (digits|characters|letters) (of|from|in) \w+)\b/,
  // (a message named as people text it: "got ur text saying code 482913"; on a call "one time passcode" heard as "one time
  // pasco")
  otp: new RegExp(
    `\\b(one[- ]time (pass ?code|password|code|pin|pas[a-z]*)|otp|verification code|confirmation code|authenti[cz]ation code|pass ?code|(sms|text) code|(code|digits|numbers) (we|i)('ve| have)? (just )?(sent|texted|messaged)|(sent|send|texted|text) (you )?(a |the )?code|(text|sms|message|msg)( [a-z]+)? (saying|says|with|that says|which says) (the |a |your |ur )?code|(six|6|eight|8)[- ]digit code|(your|ur|the|this|my|a) code( is)?|what does (it|the (text|message|sms)) say|(sent|texted) (you )?one to your (phone|mobile))\\b|\\b(your|the|this|my|a)( [a-z]+){1,3} code\\b(?<!\\b(${NOT_SECRET_CODES}) code)|(?<!\\b(${NOT_SECRET_CODES}) )\\bcode (is|was)\\b`,
  ),
  // (on a call "the expiry" heard as "the extrary")
  expiry_date:
    /\b(expir\w*|expires|valid (until|thru|through|to|till)|good (thru|through|till|until)|exp( date)?|end date on the card|extrary)\b/,
  // and as a call may lose a word of it: "what's your of birth" ("date"), "what day were you are" ("born")
  // … or a security question whose object was lost at the end of the turn ("please confirm your" …): the date of birth
  // is what a check asks for first, and the answer is protected as one (fail closed)
  date_of_birth:
    /\b(date of birth|dob|d\.o\.b|birth ?date|born|birthday|(your|the|my|his|her) of birth|(what|which) (day|date|year) were you)\b|\b(confirm|what'?s|what is|tell me|give me|read me|can i (take|have)) your( please)?[?.!,\s]*$/,
  phone:
    /\b(phone|mobile|cell|telephone|landline|contact number|call ?back (number|on)|call you (back )?on|reach you (on|at)|number (we|i) can (call|reach|text)|(good|best) number|number to (reach|call|contact|text) you|(reach|call|ring|text|contact|phone|get hold of) me (back )?(on|at))\b/,
  // ("the bank account I'm paying into is 20-98-41 55110392")
  // ("sort code" as a recogniser may write it: "sword code")
  bank_account:
    /\b(account (number|no)|acct|acc (no|number|num)|a\/c( no)?|sort code|sword code|routing number|account is|bank account( [a-z']+){1,4} is)\b/,
  // ("my social is …", as Americans say it; not "social media", "social worker")
  us_ssn:
    /\b(social security( number| no)?|ssn|social insurance number|(my|your|his|her|their|us) social(?! (media|work|worker|services?|club|life|events?|housing|care|fund|tariff)\b))\b/,
  // a Chinese resident ID asked for ("your resident ID number"); not any "ID number" (a transaction's, a customer's)
  cn_resident_id:
    /\b(resident id( number| card)?|resident identity( card)?( number)?|identity card number|id card number|chinese id)\b/,
  // "what's your email?", "an e-mail address we can send it to" ("I'll email you" is not a question for one)
  // (on a call "and an email address" heard as "and in a male dress" or "and then he may address")
  email:
    /\b(e-?mail address(es)?|(your|an|the|which|what'?s|what is|by|on) e-?mail|(male|mail|may|meal|mel)( a)? (dress|address))\b/,
};

/** The same questions on a Mandarin hotline (written chats; no word boundaries in Chinese). */
export const PROMPTS_ZH: Record<DataPromptKind, RegExp> = {
  card_number: /(卡号|银行卡号|信用卡号|借记卡号|卡的号码)/,
  cvv: /(安全码|背面.{0,4}(三|3)位|校验码|cvv)/,
  pin: /(取款密码|交易密码|银行卡密码|卡密码|支付密码|查询密码)/,
  // and the code described, not named ("刚才给您发了一条短信，里面有个六位数，麻烦念一下")
  otp: /(验证码|动态码|动态密码|短信码|校验短信|短信.{0,12}(数字|位数|号码|编码|代码)|[六6四4八8]位数(字|的)?)/,
  expiry_date: /(有效期|到期(日|时间))/,
  date_of_birth: /(出生日期|出生年月|生日|哪年出生|出生于)/,
  phone: /(手机号|电话号码|联系电话|手机号码|回拨)/,
  bank_account: /(账号|账户号码|帐号)/,
  us_ssn: /(社会安全号|社会保障号)/,
  cn_resident_id: /(身份证|证件号)/,
  email: /(邮箱|电子邮件|邮件地址)/,
};

/**
 * A question for a person's name ("can I take your full name?", "who am I speaking to?", "could you spell the
 * surname?"): it opens an expectation only where the masking policy masks names (`person_name`).
 */
const NAME_PROMPT =
  /\b(your (full |first |last |sur|middle )?name|name on the (card|account)|(sur|first |last |full )name|who (am i|i'm|i am) (speaking|talking) (to|with)|spell (that|it|your|the) ?(sur)?(name)?|(can|could|may) i (take|have|get) (your|a) name)\b|(姓名|贵姓|怎么称呼|名字)/i;

/** "what's the postcode there?", "and your zip?" */
const POSTCODE_PROMPT = /\b(post ?code|postal code|zip( code)?)\b|(邮编|邮政编码)/i;

/** Questions for the optional types, asked for only where the masking policy lists the type. */
export const OPTIONAL_PROMPTS: Record<'person_name' | 'postcode', RegExp> = {
  person_name: NAME_PROMPT,
  postcode: POSTCODE_PROMPT,
};

const KINDS = Object.keys(PROMPTS) as DataPromptKind[];

export function promptKinds(text: string): PromptKind[] {
  const t = text.toLowerCase();
  return KINDS.filter((k) => PROMPTS[k].test(t) || PROMPTS_ZH[k].test(t));
}

/** Phrases keyphrase search spots (policies/asr/keyphrases.txt) that ask for a kind in fewer words than PROMPTS need. */
const SPOTTED: Record<string, PromptKind[]> = {
  'three digits': ['cvv'],
  'code we sent': ['otp'],
  'one time code': ['otp'],
  'on the back of the card': ['cvv'],
};

/** What a turn asks for, from its text and the phrases keyphrase search spotted in it. */
export function askedFor(text: string, spotted: string[] = []): PromptKind[] {
  const kinds = new Set(promptKinds(text));
  for (const p of spotted) for (const k of SPOTTED[p] ?? promptKinds(p)) kinds.add(k);
  return [...kinds];
}

/** "let me read that back", "just to confirm": the speaker repeats what they were told. */
export const READ_BACK =
  /\b(read (that|it|them|this) back|repeat (that|it) back|let me repeat|(just )?to confirm|confirming|so that'?s)\b|(我|跟您)(再)?(重复|核对|确认)一下/i;

/**
 * Asking again after an answer: the expectation stays open. So does an answer disputed ("that doesn't match what we
 * hold. Could you check the year?"): the corrected one is still the asked-for value.
 */
export const RE_ASK =
  /\b(repeat|again|say that|didn'?t (catch|get)|missed|sorry|pardon|digits?|one more time|is that right|too (long|short)|(doesn'?t|does not|didn'?t|did not|don'?t) (match|agree)|not matching|no match|not (quite )?(right|correct)|incorrect|(check|double[- ]check) (the|that|it|your)( [a-z]+)? (year|month|day|date|digits?|number|code))\b|(再说一(遍|次)|没听清|不好意思|位数|不对|不一致|不符|对不上)/i;

/** Listening noises while a number is read out: they do not end the expectation. */
export const BACKCHANNEL =
  /^(?:\s*(?:yes|yeah|yep|ok|okay|mm+|mhm|mm-hm|uh[- ]huh|go on|go ahead|carry on|got it|right|sure|and|next|continue|keep going|uh|um|no rush|no hurry|take your time|no worries|no problem|of course|that'?s fine|whenever you'?re ready|i'?ll wait|i'?ll hold|嗯|好的?|对|是的?|您说|请说|继续)[\s,.!，。！]*)+$/i;
