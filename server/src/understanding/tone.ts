import type { ConductResult, SentimentResult } from './classifier';
import { words } from './features';
import type { UnderstandInput } from './understand';

/*
 * The tone signal: how an agent's and a customer's turns read, from the sentiment model's answer and the readings
 * that correct it (empathy, the call's facts, the agent's attitude with its cue, a request turned down bare, a
 * complaint, sarcasm). Recorded with the models as TONE_SIGNAL.
 */

/** What an agent says to show understanding: its words are negative ("sorry", "frustrating"), its tone is not. */
const EMPATHY =
  /\b(no problem|not a problem|no worries|don'?t worry|happy to help|(that'?s|that is|its|it is|it must be) (so |really |very )?(frustrating|annoying|stressful|difficult|awful|worrying|maddening|infuriating|upsetting|exasperating)|sorry to hear|i hear you|i'?m (so |really |very )?sorry|i am (so |really |very )?sorry|so sorry|apologi[sz]e|apologies|i (completely |totally |fully )?understand|i can (understand|see why|imagine)|that must (be|have been)|that sounds (so |really |very )?(frustrating|annoying|stressful|difficult|awful|worrying|upsetting)|sorry (about|for) (that|the (trouble|inconvenience|wait|delay|confusion))|i appreciate|i know how|i'?m afraid|unfortunately|sorry|oh no|oh dear|(thats|that is|how) (awful|horrible|terrible|rotten|a nightmare|a pain)|what a (pain|nightmare)|dont be (so )?hard on yourself|not a (stupid|silly|daft|dumb) question|no such thing as a (stupid|silly|daft|dumb) question|happens to (the best of us|everyone|lots of people|careful people)|(youve|you have) done nothing wrong|(its|it is|thats|that is) not your fault|(youre|you are) not (being )?(stupid|hopeless|silly|daft|a pain|a bother|a nuisance))\b/;
/**
 * Sarcasm as callers use it: praise said of trouble ("oh great, another fee", "fantastic service, three hours on
 * hold"), the set phrases ("just what I needed", "thanks for nothing", "yeah right") and praise with a tag question
 * ("well that's just perfect, isn't it"). The review-trained model reads the praise.
 */
const SARCASM =
  /\b(just what i (needed|wanted)|thanks for nothing|thanks a lot for nothing|yeah right|(thats|that is|this is) (just )?(perfect|great|brilliant|fantastic|marvellous|wonderful|lovely) (isnt it|innit)|what a surprise)\b|\b(great|brilliant|fantastic|wonderful|marvellous|perfect|lovely|amazing|excellent|superb)\b.*\b(another (fee|charge|problem|delay|letter)|(hours?|minutes|ages) on hold|on hold for|yet again|as (always|usual)|for nothing)\b/;
/**
 * Sarcasm as contrast (Riloff et al. 2013: a positive sentiment said of a negative situation), as a customer writes it
 * over sentences (tone-15): thanks or praise for the help ("Cheers for that, really helpful.") followed by a sentence
 * that contradicts the agent or says what the customer now cannot do ("I ordered it three weeks ago, not Monday. Now I
 * can't pay the builder."); and a resigned "Typical." said alone, or closing the turn ("… into town then typical", as a
 * call writes it). (raw turn, lower case)
 */
const PRAISED_HELP =
  /^\s*(oh |well )?((cheers|thanks|thank you)( for that| a lot| so much| very much)?,? (really|very|so|most|super|ever so) (helpful|useful)|(really|very|so|most|super) helpful,? (thanks|cheers|thank you)|(great|brilliant|fantastic|wonderful|marvellous|lovely) help)\b/;
const CONTRADICTED =
  /\b(i|we) (cant|cannot|couldnt|still cant|wont be able to|now cant)\b|,\s*not (on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|last week|this week|what|the)\b/;
const RESIGNED =
  /(^|[.!?]\s*|\b(then|again|so|just|how|thats|that is|its|as usual) )(typical|figures|classic|unbelievable|un-?believable)\s*[.!]*\s*$/;
function sarcasticContrast(raw: string): boolean {
  const t = raw.toLowerCase().replace(/[\u2018\u2019']/g, '');
  if (RESIGNED.test(t)) return true;
  const sentences = t.split(/(?<=[.!?])\s+/);
  return PRAISED_HELP.test(sentences[0] ?? '') && sentences.slice(1).some((x) => CONTRADICTED.test(x));
}
/** What an agent gives after a "but": a refund, a waived fee, a goodwill gesture. */
const GOODWILL =
  /\b(goodwill|refunded|waived|credited|reversed|as a one off|ive (refunded|waived|removed|cancelled|credited|sorted|fixed|reversed))\b/;
/**
 * "I can't remove it myself, but I can refer it to the team who can": what the agent can do, after a "but" — the
 * phrasing service guides teach for a refusal. It takes nothing back, and the refusal before it is not a tone.
 */
const OFFER =
  /\bbut\b.*\b(i can|we can|i could|we could|ill|i will|we will|let me|you can|happy to|for free|instead)\b/;
/** What a customer says to take it further or to complain: negative whatever the words around it. */
const COMPLAINT =
  /\b(make a complaint|formal complaint|file a complaint|lodge a complaint|raise a complaint|complain|speak to (a|your) (manager|supervisor)|talk to a manager|ombudsman|regulator|unacceptable|ridiculous|disgraceful|outrageous|close my account|sue you|lawyer|solicitor|fed up|sick (of|and tired)|(take|taking|move|moving|put|putting) my (savings|money|business|accounts?|custom|mortgage|pension) (elsewhere|somewhere else|to another bank))\b/;

/**
 * Indignation in words with no negative vocabulary (tone-15): incredulity ("Are you serious?", "you've got to be
 * kidding"), the burden put back ("so I'm expected to go another week with no card?", "how am I supposed to…"; not "so
 * I have to fill in the form first?", which asks). Negative whatever the model reads. (normalised)
 */
const INDIGNANT =
  /\b(are you (serious|joking|kidding)|you(re| are) (joking|kidding)( me)?|you(ve| have) got to be (joking|kidding)|(so|and) (im|i am|were|we are) (expected|supposed|meant) to|(how|what) (am|are) (i|we) (supposed|meant|expected) to|you (want|expect) me to)\b/;
/**
 * A customer's turn that only acknowledges ("ok", "ok found it", "fine", "got it"): the review-trained model gives "ok"
 * a negative lean; said on its own it is no mood (tone-15). (normalised)
 */
const ACK =
  /^((ok|okay|ok then|okay then|right|alright|all right|fine|sure|yes|yep|yeah|cool|noted|understood|i see|got it|found it|will do|no worries)( (ok|okay|thanks|thank you|ta|cheers|found it|got it|then|i see))?)$/;
/**
 * Feeling said in words ("disgusted", "fed up", "worried", "a joke"): a customer's turn with any of it, or shouted,
 * reads as the model reads it. (normalised)
 */
const FEELING =
  /\b(angry|furious|fuming|livid|disgust\w*|disgrace\w*|appall\w*|upset\w*|annoy\w*|frustrat\w*|ridiculous|unacceptable|terrible|awful|shocking|useless|joke|fed up|sick of|worr\w+|stress\w*|scared|panick\w*|devastat\w*|hate|rubbish|shambles|nightmare|outrage\w*|pathetic|incompetent|a disgrace|not happy|unhappy|gutted|embarrass\w*|humiliat\w*|ashamed)\b/;
/** shouted: "!" or a word in capitals (raw turn) */
const SHOUTED = /!|\b[A-Z]{4,}\b/;
/** a customer's courtesy: a question asked politely, thanks (normalised) */
const POLITE = /\b(please|thanks|thank you|could you|would you|can you|may i|could i|can i|would it be possible)\b/;

/**
 * An agent's attitude towards the caller, as contact-centre quality guides list it: blame ("you should have", "your
 * fault"), dismissal ("not my problem", "take it or leave it", "whatever"), impatience ("I already told you", "I don't
 * have time for this"), talking down ("you people", "simple instructions") and threats to end the call. Negative
 * whatever the sentiment model says of the words. Matched on normalised text (lower case, no apostrophes).
 */
const ATTITUDE = new RegExp(
  `\\b(${[
    // blame
    /(your|ur) (own )?fault|(thats|that is|its|it is) on you|(thats|that is|its|it is) your (problem|issue|lookout)/,
    /you should(n'?t)?(ve| have)? (read|known|listened|thought)|you should know better|you (failed|forgot) to/,
    // hindsight, not an obligation: "that's not something you should have to live with" is on the caller's side (tone-14)
    /you should(ve| have) (?!(received|got|gotten|been|had|any|a|an|the|it|them|one|your|this|that|to)\b)[a-z]+/,
    /you (really )?(shouldnt|should not) (have )?(leave|left|keep|kept|give|given|share|shared|click|clicked|write|written|tell|told|carry|carried|send|sent|let|trust|trusted)/,
    /you (didn'?t|did not|don'?t|do not|never) (listen|read|understand)/,
    /(clearly|obviously) you|you (clearly|obviously)|as you (should|would|must) know/,
    /if you(d| had) (listened|read|paid attention|checked)/,
    // not the agent's to help with, nothing to be done
    /not (my|our) (problem|job|fault|department|area|team|concern|responsibility|issue)|nothing to do with (me|us)/,
    /(there'?s |there is )?(nothing|not much|not a lot|little) (else |more |further )?(i|we) can (do|say|tell you|add)/,
    /(not|isnt|is not|theres not) (really |much |a lot )?(anything|much) (more |else )?(i|we) can do/,
    /(cant|cannot|can not) do anything (about it|for you|about that)/,
    /(out of|not in) (my|our) hands|hands are tied|what (do|did) you (want|expect) me to do/,
    /i dont know what (else )?to tell you|i dont know what (you want me to say|else to say)/,
    /(im|i am) not (changing|refunding|doing|reversing) (anything|that|it|this)/,
    // hiding behind the rules
    /(that'?s|it'?s|this is) (just )?(the|our) policy|(thats|that is|its|it is) (just )?(company|bank|standard) policy/,
    /(thats|that is|its|it is) (just )?(the|our|company|bank) (procedure|process|protocol)/,
    /against (our|the|company|bank) (policy|rules)|rules are rules|i dont make the rules|(those|these) are the rules/,
    // "Computer says no, I'm afraid.": the refusal handed to a machine
    /(the )?(system|computer) says no/,
    /(thats|its|that is|it is) not how (it|this|things|([a-z]+ ){1,3})works?|(doesnt|does not) work like that/,
    /(that'?s|it'?s|that is|it is) just (how|the way) (it works|it is|things are)|it is what it is|deal with it|(thats|that is|its|it is) (just )?how long (it|they|these things) takes?/,
    /you (agreed|signed up) to (it|that|the|our) (terms|conditions)?/,
    /(its|it is|thats|that is) (all )?in the (terms|small print|contract)/,
    /(its|it is|thats|that is) all (on|in) the (website|app|letter|faqs?)/,
    /read (them|it) yourself|read your (letter|statement|email|terms|contract)/,
    // sending the caller away, closing the subject
    /(thats|that is|that) the end of (it|the matter|the discussion)|end of (story|discussion)|(^|\s)end of$/,
    /nothing (more |else |further )?to discuss|(weve|we have|ive|i have) been (through|over) (this|that)/,
    /(not|wont be|will not be|am not) (discussing|going to discuss|going over|debating) (it|this|that)( any)? (further|again|anymore|any more)/,
    /(sort|figure|work) (it|that|this) out (yourself|on your own)/,
    /(take|move) your (business|account|money|custom) elsewhere|if you dont like it|take it or leave it/,
    /(feel free to|youre free to|you can always) (move|switch|change|leave)( to)? (banks?|another bank|a different bank|elsewhere)/,
    /if you want (it|that|this|one)( [a-z]+)? you(ll| will) have to/,
    /(end|terminate) this call|hang up on you/,
    // talking down, belittling
    /(youre|you are) (out of luck|overreacting|being unreasonable|not listening)/,
    /(its|thats|it is|that is) (not|hardly) (a big deal|the end of the world)|no big deal/,
    /(nobody|no one) else (has|seems to have) (complained|had)|everyone else (manages|copes)/,
    // an insult is said to the caller ("are you stupid", "what a stupid question"), not "not a stupid question" or
    // "an idiot mistake on our side"
    /you people|(simple|basic) instructions|ridiculous question|shut up|(you|youre|you are|are you)( (a|an|such a|so|really|totally|completely|absolutely|just|being|bloody))* (stupid|idiot|idiots|moron|dumb|thick|dense|clueless)/,
    /(what a|thats a|that is a|such a|was a|its a|it is a) (stupid|dumb|idiotic|daft) (question|thing to (say|ask|do))|(stupid|daft|dumb) of you/,
    // impatience
    /(i'?ve |i have )?already (told|explained to) you|(ive|i have) already explained|as i (already )?said|like i said/,
    /(explained|told you) (this|that|it) (twice|already|three times|before)/,
    /(im|i am) not (going to|gonna) (argue|repeat|discuss|debate|go through)|i wont repeat/,
    /calm down|no need to (shout|be rude|get upset|raise your voice|get angry)|dont take that tone/,
    /(i|we) don'?t have time|(havent|have not|dont|do not) (got|have) all day|(were|we are|im|i am) (very |really |too |extremely )?busy/,
    /not the only customer|other (customers|people|callers) (are )?(waiting|in the queue|to deal with|to help)|stop (asking|shouting|interrupting|wasting)/,
    /whatever you want|if you say so|fine whatever|you(ll| will) (just )?have to (be patient|wait)/,
    // Culpeper's impoliteness formulae (2011) not listed above: message enforcers ("is that clear?", "do you
    // understand?", "for the last time"), impatience at being asked again ("I heard you the first time", "how many times
    // do I have to…"), condescension ("it's not rocket science") and dismissals ("go away", "don't bother")
    /is that clear|do you understand( me)?$|listen (to me|here|carefully)|read my lips|for the (last|final|hundredth) time/,
    /i (heard|understood) you (the first time|already)|how many (more )?times (do|have|must)/,
    /(its|thats|it is|that is) not rocket science|(even )?a child could|any (idiot|fool) (can|could)/,
    /did you (even|actually) (read|check|look|listen)|why (didnt|did not) you (just )?(read|check|look|listen|ask)/,
    /(go away|get lost|dont bother (calling|ringing|asking|complaining))/,
    // the passive-aggressive set phrases of written service ("as stated in my previous message", "per my last email"),
    // sarcastic questions ("is there a question in there?"), "I'm not a mind reader", "try reading the letter"
    /as (stated|mentioned|explained|advised|said) (in|on) my (previous|last|earlier) (message|email|reply|chat)/,
    /per my (last|previous|earlier) (message|email|reply)|is there a question (in there|here)|not a mind reader/,
    /try (reading|checking|looking at|listening to) (the|your|what)/,
    // closing the matter in formal words ("no further correspondence will be entered into", "the decision is final"),
    // handing it to a third party ("that's between you and the retailer", "chase the shop"), condescension ("you do
    // realise it's a Sunday?")
    /no further (correspondence|discussion|action)|will not be (reconsidered|changed)|will not receive a (response|reply)|(queries|questions|emails|messages|correspondence) ([a-z]+ ){0,4}will not be (answered|responded to|acknowledged)/,
    /(thats|that is|its|it is) between you and (the|your)|(?<!\b(to|you|youve|had|have|having|ll|will|ill|well|shall|i|we) )chase (it|them|the (shop|retailer|merchant|seller|store))/,
    /you do (realise|realize|know) (its|that|how|what)|surely you (know|realise|realize)|did it not occur to you|(didnt|did not|never) (it )?occur(red)? to you/,
    // passing it up ("above my pay grade", "I don't make the decisions, I just pass them on", "speak to someone who
    // cares"), sarcasm ("good luck with that", "I wouldn't hold your breath", "welcome to the real world"), impatience
    // ("can you get to the point?", "I've got a queue", "we've had this conversation", "I'm not here to argue"),
    // "that's not on us", "whatever works for you"
    /above my pay grade|(dont|do not) make the (decisions|rules)|i (just|only) pass (them|it) on|someone who cares/,
    /good luck with (that|it)|(wouldnt|would not) hold your breath|get to the point|(ive|i have|weve|we have) got a queue/,
    /(weve|we have|ive|i have) had this conversation|(im|i am) not here to (argue|debate)|(thats|that is|its|it is) not on (us|me)/,
    /whatever (you say|works for you|suits you)|welcome to (the real world|monday|mondays|the club|my world)|(thats|that is|such is) life/,
    // hiding behind the absence of a duty ("The bank is not obliged to give reasons"); blame for the customer's post
    // ("Maybe check your post more often.")
    /(not|under no) (obliged|obligation|required) to (give|provide|explain|tell)|(check|read|open) your (post|mail|emails?|letters?|statements?|inbox) (more often|next time|properly)/,
    // impatience and deflection ("I've been answering other people for 20 minutes", "I've already said no", "So has
    // everyone else.", "Whoever told you that was wrong.", "Did you read the fee leaflet? It's all there.")
    /(answering|helping|dealing with|serving) other (people|customers|callers)|(already|i) said no|so (has|is|does|did) everyone else/,
    /whoever told you (that )?(was wrong|got it wrong|was mistaken)|(its|it is|thats|that is) all there/,
    // the non-apology ("Sorry you feel that way."), a rule with no exceptions, a rhetorical question ("Who uses cheques
    // these days?")
    /sorry (that )?you feel (that way|like that)|sorry if you (feel|felt)|(we|i) (do not|dont|cannot|cant|wont|will not) make (any )?exceptions?/,
    /who (uses|needs|wants|writes|has|reads) [a-z]+( [a-z]+)? (these days|anymore|any more|nowadays)/,
    // "Because I said so.", "Everyone has an excuse.", "you'll get the same answer", "And you want us to do what exactly?"
    /because i said so|(everyone|everybody) has (an excuse|a story|a reason)|(get|give you|say) the same (answer|thing)|you want (us|me) to do what|what exactly do you want (us|me) to do/,
    // responsibility put on someone else ("That's on the team, not me."), the customer's competence questioned ("Have
    // you tried typing them correctly?")
    /(thats|that is|its|it is|that was|it was) (on |down to )?(the|that|another|their|your|the other) [a-z]+( [a-z]+)? not (me|us)\b/,
    /(have you|did you) (tried|try) [a-z]+ing( (it|them|that))? (correctly|properly|right)/,
    // "you can ask all you like", "complain as much as you want"; "it's self-explanatory", "the letter speaks for itself"
    /(ask|complain|shout|moan|call|ring|try|argue|email) (all|as much as) you (like|want)|self explanatory|speaks for itself/,
  ]
    .map((r) => r.source)
    .join('|')})\\b`,
);
/**
 * "Whatever.", "Tough.", "Dunno.", "Noted." as a reply on its own (punctuation kept: "whatever you need", "noted, I'll
 * pass it on" are not it)
 */
const WHATEVER = /(^|[.!?]\s*)((whatever|tough|too bad|hard luck|dunno|no idea)\s*([.,!?]|$)|noted\s*([.!]|$))/i;
/**
 * "Seriously?", "Sigh.", "Ok and?", "Next question?" as a reply: incredulity, a sigh written out, "so what?"; a sentence opened with
 * "Obviously" (talking down) (punctuation kept)
 */
const INCREDULOUS =
  /(^|[.!?]\s*)(obviously\b|seriously\s*\?|\*?sigh\*?\s*[.!]|(ok|okay|so|right)?,?\s*and\s*[?.]\s*$|so what\s*\?|next question\s*\?\s*$|well then\s*[.!]?\s*$)/i;
/**
 * A tautology said to close the matter ("fees are fees", "fixed means fixed", "permits take as long as they take",
 * "you'll get it sorted when you get it sorted"): the set form of "there is nothing to discuss" (normalised text).
 */
const TAUTOLOGY =
  /\b([a-z]{3,}) (is|are|means) \1\b|\b(take|takes) as long as (it|they) (take|takes)\b|\byoull get (it|them|one|that)( [a-z]+)? when you get (it|them|one|that)\b/;

/**
 * The facts of a service call that a model trained on reviews reads as negative ("the payment was declined", "there
 * is a fee", "the cheque bounced"): telling a caller about them is not the agent being negative.
 */
const SITUATION =
  /\b(fees?|charges?|charged|interest|declined|blocked|frozen|cancell?ed|lost|stolen|fraud\w*|disputes?|failed|bounced|overdrawn|overdraft|funds|balances?|transactions?|payments?|refunds?|late|arrears|debt|closed|suspended|expired|reversed?|returned|insufficient|penalty|cheque|direct debit|locked in|fixed (rate|for|until)|rate|aer|apr)\b/;

/** an amount of money read out ("Tesco 23.10", "£45"): the account's facts */
const AMOUNT = /\d[.,]\d{2}\b|[£$€¥]\s?\d/;

/**
 * Security advice, as banks give it: "don't share it with anyone", "we will never ask for your PIN", "keep it safe",
 * and a scam named as not the bank's (tone-13: "that text wasn't from us, please don't click the link or reply"; not
 * "if you don't reply to our letters", which is said of the caller).
 * Its words are negative ("never", "don't", "fraud"); it is the agent looking after the customer.
 */
const ADVICE =
  /\b((nobody|no one|we) (can|cannot|cant) guarantee|go(es)? (up and down|down as well as up)|get back less|capital (is )?at risk|value (can|could|may) (fall|go down|drop)|(never|don'?t|do not) (share|give|tell|disclose|reveal|write down|send)|(?<!\byou )(never|don'?t|do not) (click|tap|reply|respond|download|install)|(we|well|wed|i|ill|the bank|our staff)( will| would)? never (ask|call|text|email|message)|(wasnt|was not|isnt|is not|didnt come|did not come|wont be|will not be|never comes?) from us|(keep|store) (it|them|this|your \w+) (safe|secret|private|somewhere safe)|be (careful|wary) (of|with|about)|(people|investors|you|customers) (can |could |may |might |do )?(lose|lost) (money|out|their savings)|(very |highly |extremely )?(volatile|speculative|high risk))\b/;

/**
 * The agent doing something for the caller ("I'll send you a confirmation", "I've updated the mandate", "anything
 * else?", "sure thing", tone-13: "let's get you back in"): a model trained on reviews reads "I'll send it back" and
 * "anything else would be better" as complaints; in an agent's mouth they are service.
 */
const SERVICE =
  /^(all )?done\b|\b(its|it is|thats|that is|youre|you are) (all )?(now )?(live|sorted|set up|active|unblocked|unfrozen|back on)\b|\b(anything else|lets (get|sort|fix|see|look|check|find|try|work|figure|have a look)|happy to help|(what|how) (can|may|could) (i|we) (do for you|help)|of course|sure thing|my pleasure|(ill|i will|ive|i have|i|let me|well|we will|weve|we have) (also |just |now |already |go ahead and )?(send|sent|arrange|arranged|update|updated|order|ordered|raise|raised|log|logged|book|booked|set up|refund|refunded|transfer|transferred|credit|credited|email|emailed|text|texted|call|post|posted|check|checked|fix|fixed|sort|sorted|look into|looked into|escalate|escalated|reissue|reissued|lift|lifted|remove|removed)|(ive|i have|weve|we have) (also |just |now |already )?[a-z]+ed|(ill|i will|let me|im going to) (just )?(pass|put|connect|transfer|hand) you|(ill|i will|well|we will) (drop you a|send you a) (message|line|text|note)|(ill|i will|well|we will) (message|update|let) you|keep you (posted|updated)|(im|i am|were|we are) (now |just )?(calling|ringing|sending|arranging|booking|ordering|refunding|raising|logging|escalating|transferring|checking|looking into|sorting|fixing|cancelling|blocking|freezing)|(ive|i have|weve|we have) (also |just |now |already )?(made|put|got|taken|given|sent|set|paid|found))\b/;
/** A sentence of an agent's that asks the caller for something: a question mark, or the way a spoken one starts. */
const ASKS =
  /\?\s*$|^\s*(what|which|when|where|can you|could you|would you|will you|may i|can i|could i|do you|did you|have you|is it|is that|are you)\b|\b(i'?ll|i will|i'?d|i would) (just )?need (you )?to (verify|confirm|check|take|ask)\b/i;
/**
 * A curt redirection: a short sentence (seven words at most) that starts with a bare command to go elsewhere ("Use the
 * app.", "Try another lender.", "Call back if it doesn't turn up.") in a turn with no courtesy in it — what politeness
 * research marks as impolite (an imperative with no hedge, no "please", no apology). With any courtesy it is an
 * instruction.
 */
const REDIRECT =
  /^(?:(?:just|then|so|well|yeah|ok|okay|look|right|no)[\s,]+)*(use|call|ring|try|ask|go|fill|apply|read|look|check|email|write|contact|phone|visit|wait|come back|chase|pop into|order|download|reset|install|buy|get|find|pay|cancel|switch|move|sort|be patient|talk to|speak to|google|search|look it up)\b/;
const COURTESY =
  /\b(please|sorry|thank|thanks|afraid|happy|glad|of course|certainly|let me|i can|i'll|i will|we can|we'll|we will|you can|welcome|hope|no problem|unfortunately|apologi[sz]e|apologies)\b|\?/;
/** "… then," closing a command's clause ("Buy a new one then, they're six quid."): the caller's problem handed back */
const THEN_CLAUSE = /^[^,;]{0,40}\bthen\s*([,.!;]|$)/;
function curt(text: string): boolean {
  const t = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  if (COURTESY.test(t)) return false;
  return t
    .split(/(?<=[.!])\s+/)
    .map((x) => x.trim())
    .some((x) => REDIRECT.test(x) && (x.split(/\s+/).length <= 7 || THEN_CLAUSE.test(x)));
}

/**
 * A refusal said baldly, in politeness theory's terms (Brown & Levinson): the agent refuses, blames or closes the
 * matter ("Not happening. The fee stands.", "That's a you problem", "not something I can fix") with no redress at all —
 * no apology, thanks, greeting, softener, offer or question. Where the model leans negative on such a turn, the call's
 * facts in it ("fee", "overdrawn") do not make it a neutral statement of them.
 */
const REFUSAL =
  /\b((i|we) (cant|cannot|wont|will not|refuse)|(i|we) (am|are) (not able|unable|not going)|(cant|cannot) (help|do|change|touch|refund|waive|remove|fix)|not happening|no way|stands|shouldve|should have|you problem|your (mistake|fault|problem)|not (a|an|our|my|the) ([a-z]+ )?(problem|issue|fault|job|concern|department|mistake|error)|not something)\b/;
const REDRESS =
  /\b(please|sorry|thank|thanks|afraid|unfortunately|apologi[sz]e|apologies|happy to|glad|of course|certainly|no problem|no worries|let me|ill|i will|we will|ive|weve|i have|we have|would you like|shall i|lets|understand|appreciate|hope|welcome|hi|hello|good (morning|afternoon|evening)|dear|anything else)\b/;
/** "I can …", "you can …" offer something, unless a negation comes just before ("not something I can fix") */
const CAN_OFFER = /(?<!\b(not|nothing|anything|never)( [a-z]+){0,3}) (i|we|you) can\b/;
/**
 * Closing the matter ("The fee stays.", "Rules are there for a reason.", "The decision is final.", "Not happening."):
 * negative said with no redress, whatever the model reads; "Sorry, the fee stays on this one, but I can set up a plan"
 * is not.
 */
const CLOSED =
  /\b(rules are (there|in place) for a reason|the decision is final|not happening|we consider (this|the) (matter|case|complaint) (closed|resolved)|this (matter|case) is (now )?closed)\b/;
/**
 * The fee or the decision standing, as a sentence of its own ("The fee stays.", "Fee remains.", "Your charge stands as
 * it is."); inside a sentence it is a fact told ("the fee remains £5 a month while the account is open") (raw sentences)
 */
const CLOSED_SENTENCE =
  /^(the |your |that |this )?(fee|charge|decision|penalty|interest|refusal|answer)s? (stays|stands|remains)( as it is| as is| in place| on (this|that)( one)?| on the account)?$/i;
function closed(text: string, raw: string): boolean {
  return (
    CLOSED.test(text) ||
    raw
      .split(/[.!?]+/)
      .map((x) => x.trim())
      .some((x) => CLOSED_SENTENCE.test(x))
  );
}
function unredressed(text: string, raw: string): boolean {
  // ("we'll" read from the text as typed: normalised, it is "well", which opens rude turns too: "Well, tough.")
  return (
    !REDRESS.test(text) &&
    !/\bwe['\u2019]ll\b/i.test(raw) &&
    !EMPATHY.test(text) &&
    !CAN_OFFER.test(` ${text}`) &&
    !raw.includes('?')
  );
}
/** "No." as a sentence of its own (a "no" opening an answer, "No, you've done nothing wrong", is not a refusal) */
const BARE_NO = /(^|[.!?]\s+)(no|nope)\s*[.!]/i;
/** hindsight put on the customer ("You could have downloaded it at the time."), not a possibility ("could have been") */
const HINDSIGHT = /\byou could(ve| have) (just )?[a-z]+(ed|en)\b/;
const COULD_HAVE_BEEN = /\bcould(ve| have) been\b/;

/** An agent's negative reading weaker than this (sentiment score) is left neutral. */
const AGENT_NEGATIVE_MARGIN = 0.2;

/**
 * The agent's words make the turn negative whatever the model reads (the `attitude` cue a dismissive-language rule
 * reads): a phrase of attitude, a tautology, a reply on its own ("Whatever.", "Seriously?"), a curt redirection, the
 * matter closed with no redress, or a bald refusal the model leans negative on (its "neutral" band included; security
 * advice is not a refusal: "don't share it with anyone"). `text` is normalised, `raw` as written.
 */
function attitude(text: string, raw: string, score: number): boolean {
  // a recogniser writes no punctuation: a call's segment is said in one breath, so it ends as a sentence would
  // ("noted" alone is "Noted.")
  const said = /[.!?]/.test(raw) ? raw : `${raw.trim()}.`;
  if (ATTITUDE.test(text) || TAUTOLOGY.test(text) || WHATEVER.test(said) || INCREDULOUS.test(said) || curt(said))
    return true;
  // the rest are negative only said with no redress at all
  if (!unredressed(text, raw)) return false;
  return (
    // a generic truth offered for the customer's particular trouble ("Payments fail sometimes.", "Post is slow.",
    // "Mistakes happen.") with nothing done: minimising it
    (generic(raw) && !SERVICE.test(text) && !OFFER.test(text) && text.split(' ').length <= 12) ||
    // a call's "… next question" (no question mark: a recogniser writes none) moving on
    /\bnext question\s*$/i.test(raw) ||
    closed(text, raw) ||
    (HINDSIGHT.test(text) && !COULD_HAVE_BEEN.test(text)) ||
    // a bald refusal the model leans negative on
    (score <= -AGENT_NEGATIVE_MARGIN && (REFUSAL.test(text) || BARE_NO.test(raw)) && !ADVICE.test(text))
  );
}

/**
 * Understanding shown and something done about it ("I'm sorry, that shouldn't have happened. I'm calling you now
 * myself, and I've made a note…"): redress in politeness theory's terms, which the conduct model — trained on words,
 * not on what they do — can read as a brush-off. An understanding taken back by a "but" with nothing given after it
 * is not redress. (normalised text)
 */
export function redressed(text: string): boolean {
  const empathy = EMPATHY.exec(text);
  if (!empathy) return false;
  const after = text.slice(empathy.index + empathy[0].length);
  const but = after.search(/\bbut\b/);
  const rest = but >= 0 ? after.slice(but) : '';
  if (but >= 0 && !GOODWILL.test(rest) && !OFFER.test(rest) && !SERVICE.test(rest)) return false;
  return SERVICE.test(text) || OFFER.test(text) || CAN_OFFER.test(` ${text}`);
}

/**
 * A request turned down with nothing around it, read from the turn it answers. Conversation analysis finds a
 * dispreferred answer (a refusal, a non-answer) delayed and wrapped in an account, an apology or an offer; said bare,
 * it is a snub: a request to take it further ("I want to speak to a manager") answered with no redress and no step
 * taken ("They'll say the same as me. Save yourself the time."), a "when?" answered with no time at all
 * ("Eventually.", "When it's done."), a short follow-up for the specifics answered with none ("Which criteria?" — "The
 * ones we use."). `asked` is the customer's turn just before (normalised), `text` the agent's reply.
 */
const ESCALATION_ASKED =
  /\b(want|like|need|demand|can i|could i|let me|get me|put me|give me|going to|ill|i will|is there)\b.*\b(manager|supervisor|team leader|someone( more)? (senior|in charge|else)|more senior|higher up|your (boss|superior)|escalate|complaint|complain)\b|\b(manager|supervisor|someone else|someone more senior)\b.*\b(can i|could i)\b/;
const STEP_TAKEN =
  /\b(ill|i will|let me|of course|certainly|sure|put you through|transfer|connect|arrange|raise|log|call (you )?back|ask|(get|fetch) (my|a|the|your|someone)|(i|we|you) can|manager will|supervisor will)\b/;
const ASKING =
  /\b(whats|what is|which|can you|could you|would you|will you|may i|can i (take|have|get)|do you|have you got)\b/;
const LOSS_TOLD =
  /\b(lost|left|dropped|stolen|stole|missing|cant find|been taken|took|swallowed|eaten|nicked|pinched|swiped|snatched|robbed|mugged|pickpocketed)\b.*\b(card|wallet|purse|bag|phone|mobile|laptop|tablet|ipad)\b|\b(card|cards|wallet|purse|bag|phone|mobile|laptop|tablet|ipad)\b.*\b(lost|left|dropped|stolen|missing|cant find|been taken|swallowed|eaten|nicked|pinched|swiped|snatched)\b/;
const CARD_STOPPED =
  /\b(block|blocked|cancel|cancelled|canceled|stop|stopped|freeze|frozen|lock|locked|hold|suspend|suspended)\b/;
const TIME_ASKED = /^(so |and |but |ok |okay )?(when|how long|how soon|by when|what time)\b/;
const TIME_GIVEN =
  /\d|\b(today|tomorrow|tonight|morning|afternoon|evening|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|hours?|days?|weeks?|months?|minutes?|within|by|next|end of|shortly|soon|asap|straight away|now|immediately|usually|normally)\b/;
const NON_ANSWER =
  /\b(eventually|sooner or later|at some point|whenever|who knows|your guess|when (its|it is) (ready|done))\b/;
/** a short follow-up question for the specifics ("which criteria?", "why not?", "what reason?") */
const FOLLOW_UP = /^(so |and |but )?(which|what|why|how|where|who)\b/;
/**
 * A customer who says they have asked before, who writes about a death, or who tells of a vulnerability ("for the
 * third time", "my late father's account", "my husband has dementia"): complaint-handling guides and the FCA's guidance
 * on vulnerable customers ask the agent to acknowledge that first. A reply with no acknowledgement and no step taken
 * that hands the work back or refuses ("We have no record of it. Please send it again and allow 28 days.", "It's his
 * money. We can't stop him spending it.") is a snub, however polite its "please".
 */
const ASKED_BEFORE_OR_VULNERABLE =
  /\b(for the (second|third|fourth|fifth|umpteenth|nth|last) time|(third|fourth|fifth|umpteenth) time|how many times|(asked|told|written|emailed|called|rung|phoned|sent|chased|explained)( (you|it|this|them))? (twice|three times|again|already|before|repeatedly|several times)|late (father|mother|husband|wife|dad|mum|mom|son|daughter|partner|brother|sister|grandfather|grandmother|aunt|uncle)s?|passed away|died|death certificate|bereaved|bereavement|funeral|probate|dementia|alzheimers|alzheimer|terminal|cancer|in hospital|disabled|disability|mental health|carer for|domestic abuse|vulnerable)\b/;
const HANDED_BACK =
  /(^|[.!?]\s*)(please )?(send|resend|re-send|submit|resubmit|fill in|complete|allow|wait|call|ring|phone|contact|try|post|upload|bring|provide|supply)\b|\byou(ll| will)( [a-z]+)? (need|have) to\b/;
/** the raw turn in lower case without apostrophes, its sentence punctuation kept ("Please send it." → "please send it.") */
const unquoted = (raw: string) => raw.toLowerCase().replace(/[\u2018\u2019']/g, '');
/** reassurance with nothing done ("so don't worry about it", "no worries") is no redress after a loss */
const REASSURANCE = /\b(dont|do not) worry( about it| about that)?|no worries\b/g;
function snub(asked: string | undefined, text: string, raw: string, score: number): boolean {
  if (asked === undefined || ASKING.test(text)) return false;
  // a card (or what holds one, or the phone the banking app is on) reported lost or stolen, answered with no step to
  // stop it ("Taxi drivers usually hand them in. Give it a few days.", "You'd need the passcode to get in, so don't
  // worry about it.")
  if (
    LOSS_TOLD.test(asked) &&
    unredressed(text.replace(REASSURANCE, ''), raw.replace(/don[’']?t worry|no worries/gi, ''))
  )
    return !CARD_STOPPED.test(text) && !STEP_TAKEN.test(text) && !SERVICE.test(text);
  if (
    ASKED_BEFORE_OR_VULNERABLE.test(asked) &&
    !EMPATHY.test(text) &&
    !STEP_TAKEN.test(text) &&
    !SERVICE.test(text) &&
    (HANDED_BACK.test(unquoted(raw)) || REFUSAL.test(text))
  )
    return true;
  // (a reply that asks for something is no snub: "for security whats your date of birth" on a call, no "?")
  if (!unredressed(text, raw)) return false;
  // a follow-up for the specifics answered in a few words that name nothing, and that the model leans negative on
  // ("The ones we use.")
  const few = asked.split(' ').length <= 4 && text.split(' ').length <= 5 && !/\d/.test(text);
  if (FOLLOW_UP.test(asked) && few && score <= -AGENT_NEGATIVE_MARGIN) return true;
  if (ESCALATION_ASKED.test(asked)) return !STEP_TAKEN.test(text);
  if (TIME_ASKED.test(asked))
    return !TIME_GIVEN.test(text) && (NON_ANSWER.test(text) || text.split(' ').length <= 3) && !SERVICE.test(text);
  return false;
}

/**
 * A generic sentence of trouble (a bare plural or mass noun, the simple present, something going wrong: "Payments fail
 * sometimes.", "Post is slow.", "Mistakes happen.", "Roads get potholes"): what is true of such things in general, not
 * of the customer's case ("Payments are processed overnight" tells the case, and is not one).
 */
const GENERIC =
  /^(?!(yes|thanks|this|its|is|was|has|does|his|hers|ours|yours|always|perhaps|unless|as|sometimes|sorry|us|lets)\b)([a-z]+s|post|mail|traffic|stuff|life|everyone|everybody|people|mistakes|things|systems|computers|machines)( [a-z]+)? ((is|are) (slow|late|busy|unreliable|like that|what (it is|they are))|fail|fails|happen|happens|break|breaks|crash|crashes|go (wrong|missing|down)|goes (wrong|missing|down)|get [a-z]+|gets [a-z]+|take time|takes time)( sometimes| all the time| every day| now and then)?$/;
function generic(raw: string): boolean {
  return unquoted(raw)
    .split(/[.!?,;]+/)
    .map((x) => x.trim())
    .some((x) => GENERIC.test(x));
}

/**
 * The signal that reads tone: the model's sentiment, corrected for empathy, attitude, advice, the call's facts,
 * complaints and sarcasm, and the conduct model's reading of the agent's turns (recorded in models).
 */
export const TONE_SIGNAL = 'tone-15';

/**
 * A tone reading: the sentiment, and `cue: 'attitude'` where the agent's words decided it (blame, a brush-off,
 * impatience, talking down, a bald refusal) rather than the model's lean — what a dismissive-language rule reads.
 */
export type ToneResult = SentimentResult & { cue?: 'attitude' };

/**
 * Tone per utterance from the sentiment model's answer: an agent's negative turn that shows understanding ("I am so
 * sorry to hear that") or repeats the customer's complaint back is not the agent being negative (neutral); a
 * customer's turn that complains or asks to take it further is negative even in polite words ("I would like to file
 * a formal complaint, thank you") — the model, trained on reviews, reads those as positive.
 */
export function tone(
  us: UnderstandInput[],
  sentiments: SentimentResult[],
  conduct: ConductResult[] = [],
): ToneResult[] {
  // a reply the conduct model reads as dismissive, unless it shows understanding and acts on it: its most negative
  // utterance carries the reading
  const cold = new Set<number>();
  for (const c of conduct) {
    if (!c.dismissive || redressed(words(c.text).join(' '))) continue;
    const own = c.at.filter((i) => i < us.length && us[i].speaker === 'agent');
    if (own.length) cold.add(own.reduce((a, b) => (sentiments[b].score < sentiments[a].score ? b : a)));
  }
  return us.map((u, i) => {
    const s = sentiments[i];
    const text = words(u.text).join(' ');
    const asked = i > 0 && us[i - 1].speaker === 'customer' ? words(us[i - 1].text).join(' ') : undefined;
    // the agent's attitude: in the words the signal lists, or as the conduct model (trained on analysts' labels) reads
    // the reply
    if (u.speaker === 'agent' && (attitude(text, u.text, s.score) || snub(asked, text, u.text, s.score) || cold.has(i)))
      return { label: 'negative', score: Math.min(s.score, -0.5), cue: 'attitude' };
    if (u.speaker === 'agent' && s.label === 'negative') {
      const prev = [...us.slice(0, i)].reverse().find((x) => x.speaker === 'customer');
      const mine = new Set(text.split(' ').filter((w) => w.length > 3));
      const theirs = new Set(prev ? words(prev.text) : []);
      const shared = [...mine].filter((w) => theirs.has(w)).length;
      // "I understand, but that is the contract" takes the understanding back
      const empathy = EMPATHY.exec(text);
      // ("… but as a gesture of goodwill I've refunded it" gives something, it takes nothing back)
      const after = empathy ? text.slice(empathy.index + empathy[0].length) : '';
      const but = after.search(/\bbut\b/);
      const rest = after.slice(but);
      const takenBack = empathy && but >= 0 && !GOODWILL.test(rest) && !OFFER.test(rest) && !SERVICE.test(rest);
      if ((empathy && !takenBack) || (mine.size >= 2 && shared / mine.size >= 0.5))
        return { label: 'neutral', score: 0 };
      // the facts of the call, told plainly ("the direct debit failed because there were not enough funds"), and the
      // agent acting for the caller
      if (
        !takenBack &&
        (SITUATION.test(text) || AMOUNT.test(u.text) || ADVICE.test(text) || SERVICE.test(text) || OFFER.test(text))
      )
        return { label: 'neutral', score: 0 };
      // asking the caller for what the call needs ("I'll just need to verify you first. What's your postcode?"), and
      // a lean so slight the model is hardly choosing, are not a tone
      const sentences = u.text.split(/(?<=[.!?])\s+/).filter((x) => /\w/.test(x));
      if (sentences.every((x) => ASKS.test(x)) || s.score > -AGENT_NEGATIVE_MARGIN)
        return { label: 'neutral', score: 0 };
    }
    if (u.speaker !== 'customer') return s;
    // a customer who complains, takes it further, is indignant or sarcastic is negative whatever the words around it;
    // a reading already negative but weak is made as negative as a complaint is ("… I will be taking my savings
    // elsewhere" read -0.18 on a call)
    const upset = COMPLAINT.test(text) || SARCASM.test(text) || INDIGNANT.test(text) || sarcasticContrast(u.text);
    if (upset && (s.label !== 'negative' || s.score > -0.5))
      return { label: 'negative', score: Math.min(s.score, -0.5) };
    // a customer's bare acknowledgement ("ok"), and a polite question about the account's facts with no feeling in it
    // ("I was charged a £25 fee for a returned direct debit. Could you explain why? Thanks"): the model reads the
    // facts' words ("charged", "fee", "returned"), not a mood (tone-15)
    if (
      s.label === 'negative' &&
      !upset &&
      (ACK.test(text) ||
        (POLITE.test(text) &&
          (SITUATION.test(text) || AMOUNT.test(u.text)) &&
          !FEELING.test(text) &&
          !SHOUTED.test(u.text)))
    )
      return { label: 'neutral', score: 0 };
    return s;
  });
}
