//! The rule registry: every violation rule's id, category, lexicon and
//! `messages` hit column, in one place. It sits in `core` because the typed
//! settings, the text stage's lexicon hits, the output schema and config
//! validation all name rules, and those layers may not import a stage.
//!
//! The order of [`RULES`] is part of the output: violations of one message are
//! written in this order.

/// 别让我等 / 别让我想 / 别让我烦.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Wait,
    Think,
    Annoy,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wait => "wait",
            Category::Think => "think",
            Category::Annoy => "annoy",
        }
    }
}

/// A violation rule. `RuleId as usize` indexes [`RULES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    SlowFirstResponse,
    SlowReply,
    Unanswered,
    StalledFirstQuestion,
    Urged,
    MissedFollowUp,
    Pushback,
    RepeatQuestion,
    UnansweredFirstQuestion,
    Complaint,
    Argue,
    NoApology,
    NoSolution,
    ForbiddenPhrase,
    QuietAfterTransfer,
    CannedRepeat,
    UnhappyEnd,
    NoGreeting,
    NoClosing,
    WaitNoApology,
    OffPlatform,
    FalsePromise,
    NoReviewInvite,
}

/// What the registry knows of a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    pub id: RuleId,
    /// The id in TOML keys and the `violations.rule` column.
    pub name: &'static str,
    pub category: Category,
    /// The built-in lexicon the rule reads (`pipelines/lexicons/<lexicon>.txt`).
    pub lexicon: Option<&'static str>,
    /// The `messages` column that says a message hit the rule's lexicon.
    pub hit_column: Option<Col>,
    /// Whether a job that says nothing of the rule runs it.
    pub default_on: bool,
}

const fn def(
    id: RuleId,
    name: &'static str,
    category: Category,
    lexicon: Option<&'static str>,
    hit_column: Option<Col>,
) -> RuleDef {
    RuleDef {
        id,
        name,
        category,
        lexicon,
        hit_column,
        default_on: true,
    }
}

/// A rule a job must switch on: `no_review_invite` (a shop norm, not a
/// fault), and the rules whose precision on real chats was under 0.90 in the
/// rule audit (tests/audit, README "Rule audit").
const fn off(d: RuleDef) -> RuleDef {
    RuleDef { default_on: false, ..d }
}

use crate::core::schema::{messages, Col};
use Category::{Annoy, Think, Wait};

#[rustfmt::skip]
pub const RULES: [RuleDef; 23] = [
    def(RuleId::SlowFirstResponse, "slow_first_response", Wait, None, None),
    def(RuleId::SlowReply, "slow_reply", Wait, None, None),
    off(def(RuleId::Unanswered, "unanswered", Wait, None, None)),
    def(RuleId::StalledFirstQuestion, "stalled_first_question", Wait, None, None),
    def(RuleId::Urged, "urged", Wait, Some("urge"), Some(messages::HIT_URGE)),
    off(def(RuleId::MissedFollowUp, "missed_follow_up", Wait, Some("follow_up"), Some(messages::HIT_FOLLOW_UP))),
    off(def(RuleId::Pushback, "pushback", Think, Some("pushback"), Some(messages::HIT_PUSHBACK))),
    off(def(RuleId::RepeatQuestion, "repeat_question", Think, None, None)),
    def(RuleId::UnansweredFirstQuestion, "unanswered_first_question", Think, None, None),
    off(def(RuleId::Complaint, "complaint", Annoy, Some("complaint"), Some(messages::HIT_COMPLAINT))),
    off(def(RuleId::Argue, "argue", Annoy, Some("argue"), Some(messages::HIT_ARGUE))),
    off(def(RuleId::NoApology, "no_apology", Annoy, Some("apology"), Some(messages::HIT_APOLOGY))),
    off(def(RuleId::NoSolution, "no_solution", Annoy, Some("remedy"), Some(messages::HIT_REMEDY))),
    def(RuleId::ForbiddenPhrase, "forbidden_phrase", Annoy, Some("forbidden"), Some(messages::HIT_FORBIDDEN)),
    // Beyond the contract's list.
    def(RuleId::QuietAfterTransfer, "quiet_after_transfer", Wait, Some("transfer"), Some(messages::HIT_TRANSFER)),
    off(def(RuleId::CannedRepeat, "canned_repeat", Think, None, None)),
    off(def(RuleId::UnhappyEnd, "unhappy_end", Annoy, Some("unhappy"), Some(messages::HIT_UNHAPPY))),
    // The 售前 flow and the platforms' rulebooks.
    def(RuleId::NoGreeting, "no_greeting", Annoy, Some("welcome"), Some(messages::HIT_WELCOME)),
    off(def(RuleId::NoClosing, "no_closing", Annoy, Some("farewell"), Some(messages::HIT_FAREWELL))),
    def(RuleId::WaitNoApology, "wait_no_apology", Annoy, Some("apology"), None),
    off(def(RuleId::OffPlatform, "off_platform", Annoy, Some("off_platform"), Some(messages::HIT_OFF_PLATFORM))),
    off(def(RuleId::FalsePromise, "false_promise", Annoy, Some("false_promise"), Some(messages::HIT_FALSE_PROMISE))),
    off(def(RuleId::NoReviewInvite, "no_review_invite", Annoy, None, None)),
];

// RULES[i] describes the rule whose discriminant is i.
const _: () = {
    let mut i = 0;
    while i < RULES.len() {
        assert!(RULES[i].id as usize == i, "RULES out of RuleId order");
        i += 1;
    }
};

impl RuleId {
    pub const fn def(self) -> &'static RuleDef {
        &RULES[self as usize]
    }
    pub const fn name(self) -> &'static str {
        self.def().name
    }
    pub const fn category(self) -> Category {
        self.def().category
    }
    /// The rule's bit in a [`RuleBits`].
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }
    pub fn parse(name: &str) -> Option<RuleId> {
        RULES.iter().find(|r| r.name == name).map(|r| r.id)
    }
    pub fn all() -> impl Iterator<Item = RuleId> {
        RULES.iter().map(|r| r.id)
    }
}

/// A set of rules, a bit each: which are enabled, or whose lexicon a message hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RuleBits(pub u32);

const _: () = assert!(RULES.len() <= u32::BITS as usize, "one bit per rule");

impl RuleBits {
    /// The rules a job runs when it says nothing of them.
    pub const DEFAULT: RuleBits = {
        let (mut bits, mut i) = (0u32, 0);
        while i < RULES.len() {
            if RULES[i].default_on {
                bits |= 1 << i;
            }
            i += 1;
        }
        RuleBits(bits)
    };
    pub fn contains(self, r: RuleId) -> bool {
        self.0 & r.bit() != 0
    }
    pub fn insert(&mut self, r: RuleId) {
        self.0 |= r.bit();
    }
    pub fn remove(&mut self, r: RuleId) {
        self.0 &= !r.bit();
    }
}
