//! The job file as written: serde structs that reject unknown keys (so a
//! typo fails loudly, exit 2, instead of falling back to a default), with the
//! defaults of every key. The doc comments on the fields are the reference
//! for each key; `pipelines/weekly_agent_scoring.toml` repeats them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole job file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    #[serde(default)]
    pub input: InputConfig,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub metrics: Metrics,
    #[serde(default)]
    pub text: TextConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub scoring: ScoringConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// Files or folders of chat messages (`.csv`, `.jsonl`, `.parquet`, 千牛 `.txt`).
    /// Folders are read recursively.
    #[serde(default)]
    pub messages: Vec<PathBuf>,
    /// Files or folders of orders (`.csv`, `.jsonl`, `.parquet`). May be empty.
    #[serde(default)]
    pub orders: Vec<PathBuf>,
    /// Optional agent roster (`agent_id, name, team`).
    #[serde(default)]
    pub agents: Option<PathBuf>,
    /// Optional refunds (`order_id, shop_id?, refund_at, amount, stage, reason`):
    /// when a shop has them, an order's refund is the sum of its rows here.
    #[serde(default)]
    pub refunds: Vec<PathBuf>,
    /// Optional buyers from the shop's CRM (`shop_id, buyer_id, first_paid_at,
    /// member_level`): first purchases before the orders in hand.
    #[serde(default)]
    pub buyers: Vec<PathBuf>,
    /// Optional sales targets (`shop_id, agent_id | team, period, target_sales`).
    #[serde(default)]
    pub targets: Vec<PathBuf>,
    /// Optional satisfaction ratings (`shop_id, session_id | buyer_id + rated_at,
    /// agent_id?, score` 1–5).
    #[serde(default)]
    pub ratings: Vec<PathBuf>,
    /// Optional order reviews (`order_id, shop_id?, rating (1–5), text, created_at`).
    #[serde(default)]
    pub reviews: Vec<PathBuf>,
    /// Shop for 千牛 transcripts whose nicks carry none (no `店铺:客服` nick);
    /// without it the file name (without extension) is used.
    #[serde(default)]
    pub shop: Option<String>,
    /// Regex for the message header line of a 千牛 client not recognised
    /// out of the box; must have named groups `nick` and `time`.
    #[serde(default)]
    pub transcript_header: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output folder; replaced as a whole, atomically, at the end of a run.
    #[serde(default = "default_out")]
    pub dir: PathBuf,
    /// Also write `report.html` (the weekly review page) into the output folder.
    #[serde(default)]
    pub report: bool,
}

fn default_out() -> PathBuf {
    PathBuf::from("out")
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: default_out(),
            report: false,
        }
    }
}

/// Definitions of CONTRACT §4. Every key here is named as in the contract.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// IANA zone of naive timestamps; dates, ISO weeks and service hours are local to it.
    pub timezone: String,
    /// A buyer message opens a new session after this much silence, unless a buyer
    /// message is still waiting for an answer.
    pub session_gap_minutes: u32,
    /// Any message this long after the previous one opens a new session, waiting or not.
    pub max_wait_hours: u32,
    /// `HH:MM-HH:MM`: turns starting inside enter response-time averages and rates.
    pub service_hours: String,
    /// Each response time is capped at this before averaging (Taobao: 600 s).
    pub response_cap_secs: u32,
    /// A turn answered within this counts towards `response_3min_rate`.
    pub response_fast_secs: u32,
    /// Orders are attributed until the end of this calendar day counted from the
    /// inquiry's day (1 = same day only).
    pub attribution_days: u32,
    /// `"last"`: the last agent who answered before the order; `"first"`: the first agent.
    pub credit: Credit,
    /// An order with no buyer message in this many hours before it is 静默下单.
    pub silent_lookback_hours: u32,
    /// `slow_first_response` fires above this first response time.
    pub first_response_slow_secs: f64,
    /// `slow_reply` fires when a later turn waits longer than this.
    pub reply_slow_secs: f64,
    /// `missed_follow_up` fires when a "稍等/我去查" is not followed by a substantive
    /// message within this many seconds.
    pub follow_up_secs: f64,
    /// A first question is stalled after this many filler rounds.
    pub stall_rounds_min: u32,
    /// `repeat_question`: token Jaccard similarity at or above this is "the same question".
    pub repeat_similarity: f64,
    /// Whether 落实客单价, `sales_share` and target completion count sales net of
    /// refunds (`true`) or as paid (`false`).
    pub sales_net_of_refunds: bool,
    /// 催付: an order still unpaid this long after it was created can be chased.
    pub chase_min_wait_secs: u32,
    /// 催付: a chase counts until the order is paid or this long after it was created.
    pub chase_window_hours: u32,
    /// 催付: the chasing message must hit `pay_urge.txt` (付款, 拍下, 尽快 …);
    /// otherwise any agent message in the window is the chase.
    pub chase_requires_phrase: bool,
    /// `slow_buyers`: a buyer waited at least this long for a reply in
    /// service hours (the 千牛 slow-response reminder).
    pub slow_response_secs: u32,
    /// `long_receptions`: sessions longer than this many minutes.
    pub long_reception_mins: u32,
    /// A rating named by buyer and time rates the buyer's latest session that
    /// started before it, if it came at most this many hours after that
    /// session's last message.
    pub rating_window_hours: u32,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            timezone: "Asia/Shanghai".into(),
            session_gap_minutes: 30,
            max_wait_hours: 24,
            service_hours: "08:00-23:00".into(),
            response_cap_secs: 600,
            response_fast_secs: 180,
            attribution_days: 2,
            credit: Credit::Last,
            silent_lookback_hours: 24,
            first_response_slow_secs: 30.0,
            reply_slow_secs: 180.0,
            follow_up_secs: 900.0,
            stall_rounds_min: 2,
            repeat_similarity: 0.6,
            sales_net_of_refunds: false,
            chase_min_wait_secs: 300,
            chase_window_hours: 24,
            chase_requires_phrase: false,
            slow_response_secs: 100,
            long_reception_mins: 30,
            rating_window_hours: 24,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Credit {
    Last,
    First,
}

/// The text layer: segmentation dictionary and the lexicons that classify
/// messages. Each lexicon is a UTF-8 file, one word or phrase a line, `#`
/// starts a comment. A lexicon not named here uses kefu's built-in copy of
/// `pipelines/lexicons/<name>.txt`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextConfig {
    /// jieba user dictionary (`word [freq] [tag]` a line) added to jieba's own.
    pub user_dict: Option<PathBuf>,
    /// Use jieba's HMM for words in no dictionary. Off by default: it lowers
    /// F1 on the PKU gold set from 0.836 to 0.818 (`kefu bench segmentation`).
    pub hmm: bool,
    /// Interrogative words that make a buyer message a question.
    pub question: Option<PathBuf>,
    /// Requests (帮我, 麻烦…改, 尽快, a card or link) that make a buyer message a question.
    pub request: Option<PathBuf>,
    /// Greetings that alone are not a question (在吗, 你好 …).
    pub greeting: Option<PathBuf>,
    /// Filler: an agent message made only of these is not a substantive answer.
    pub filler: Option<PathBuf>,
    /// What makes an agent message a concrete answer (units, times, materials,
    /// a recommendation, a yes or no): a pushback phrase inside one is no pushback.
    pub fact: Option<PathBuf>,
    /// Particles and interjections dropped before the filler and greeting tests.
    pub particles: Option<PathBuf>,
    /// Buyer words that make a session after-sales (refund, logistics, damage …).
    pub after_sales: Option<PathBuf>,
    /// Buyer words that make a message 售中: an order exists and the buyer
    /// asks to change or move it (address, cancel, invoice, hurry shipping …).
    pub insale: Option<PathBuf>,
    /// Buyer words that show a problem (a defect, a wrong or missing item, a
    /// delay): what `no_apology` and `no_solution` need, not just an after-sales topic.
    pub problem: Option<PathBuf>,
    /// Agent phrases that take the matter on (催促, 核实, 登记): a next step,
    /// which `no_solution` counts as a solution.
    pub step: Option<PathBuf>,
    /// Agent promises of contact outside the chat (短信告知您, 专员回电): a
    /// step too, and one `missed_follow_up` cannot see kept, so does not judge.
    pub later: Option<PathBuf>,
    /// Buyer closings (好的/谢谢/拜拜) that need no answer.
    pub closing: Option<PathBuf>,
    /// The give-up family (没事了, 不用了, 算了我再看看): a buyer message that
    /// asks nothing and holds one is a closing.
    pub give_up: Option<PathBuf>,
    /// Buyer question intents, `intent = word word …` a line.
    pub intents: Option<PathBuf>,
    /// Words left out of hot words and question similarity.
    pub stopwords: Option<PathBuf>,
    /// 催付 phrases (付款, 拍下, 尽快 …): what a chase must say when
    /// `[metrics] chase_requires_phrase` is on.
    pub pay_urge: Option<PathBuf>,
    /// 邀评 phrases (给个好评, 五星 …): `review_invites` and rule `no_review_invite`.
    pub invite_review: Option<PathBuf>,
    /// 售后 / 差评 reasons, `reason = phrase phrase …` a line.
    pub after_sales_reasons: Option<PathBuf>,
}

impl TextConfig {
    /// The file the job names for text lexicon `name` (a `[text]` key).
    pub fn lexicon(&self, name: &str) -> Option<&PathBuf> {
        match name {
            "user_dict" => self.user_dict.as_ref(),
            "question" => self.question.as_ref(),
            "request" => self.request.as_ref(),
            "greeting" => self.greeting.as_ref(),
            "filler" => self.filler.as_ref(),
            "fact" => self.fact.as_ref(),
            "particles" => self.particles.as_ref(),
            "after_sales" => self.after_sales.as_ref(),
            "insale" => self.insale.as_ref(),
            "problem" => self.problem.as_ref(),
            "step" => self.step.as_ref(),
            "later" => self.later.as_ref(),
            "closing" => self.closing.as_ref(),
            "give_up" => self.give_up.as_ref(),
            "intents" => self.intents.as_ref(),
            "stopwords" => self.stopwords.as_ref(),
            "pay_urge" => self.pay_urge.as_ref(),
            "invite_review" => self.invite_review.as_ref(),
            "after_sales_reasons" => self.after_sales_reasons.as_ref(),
            _ => None,
        }
    }

    /// Every lexicon path the section names, to resolve against the job's folder.
    pub fn paths_mut(&mut self) -> [&mut Option<PathBuf>; 19] {
        [
            &mut self.user_dict,
            &mut self.question,
            &mut self.request,
            &mut self.greeting,
            &mut self.filler,
            &mut self.fact,
            &mut self.particles,
            &mut self.after_sales,
            &mut self.insale,
            &mut self.problem,
            &mut self.step,
            &mut self.later,
            &mut self.closing,
            &mut self.give_up,
            &mut self.intents,
            &mut self.stopwords,
            &mut self.pay_urge,
            &mut self.invite_review,
            &mut self.after_sales_reasons,
        ]
    }
}

/// One violation rule's switch and lexicon. Thresholds live under `[metrics]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// `false` switches the rule off, `true` on; unset, the rule's default
    /// (README's rule table says which rules are off unless switched on).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Replaces the rule's default lexicon file.
    #[serde(default)]
    pub lexicon: Option<PathBuf>,
}

/// `[rules.<rule_id>]` tables; unknown rule ids are rejected at start.
pub type RulesConfig = std::collections::BTreeMap<String, RuleConfig>;

/// Weekly score: each component is scaled linearly between its `good` (100)
/// and `bad` (0) target, then weighted. Weights need not sum to 1: they are
/// normalised.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Agents with fewer inquiries in the week are flagged `insufficient_sample`.
    pub min_inquiries: u32,
    pub components: std::collections::BTreeMap<String, ScoreComponent>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreComponent {
    pub weight: f64,
    pub good: f64,
    pub bad: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        let c = |weight, good, bad| ScoreComponent { weight, good, bad };
        let components = [
            ("conversion_rate", c(0.30, 0.60, 0.20)),
            ("first_response_avg_secs", c(0.10, 10.0, 60.0)),
            ("response_avg_secs", c(0.10, 20.0, 120.0)),
            ("response_3min_rate", c(0.10, 1.0, 0.7)),
            ("first_question_answer_rate", c(0.10, 1.0, 0.6)),
            ("violations_wait_per_100", c(0.10, 0.0, 30.0)),
            ("violations_think_per_100", c(0.10, 0.0, 20.0)),
            ("violations_annoy_per_100", c(0.10, 0.0, 10.0)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        ScoringConfig {
            min_inquiries: 10,
            components,
        }
    }
}
