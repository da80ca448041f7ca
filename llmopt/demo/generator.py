"""Seeded generator of the demo support workload.

Each request is the policy manual (shared system prompt) plus one customer ticket. The
reference answer has four fields: intent, order_id, action, amount.

- easy tier: cancel / tracking / address_change; every field is stated in the ticket.
- hard tier: damaged / wrong_item / changed_mind / late_delivery; the order holds several items
  with their prices and the ticket complains about one of them, so the amount needs that item's
  price found in the list; then several manual rules combine: membership sets the return
  window, the window and the reason pick the rule, fees are added or subtracted, and a refund
  above a threshold is escalated.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace

from llmopt.demo import manual as m
from llmopt.errors import ConfigError
from llmopt.workload import WorkloadItem

EASY = ("cancel", "tracking", "address_change")
HARD = ("damaged", "wrong_item", "changed_mind", "late_delivery")
TIERS = ("easy", "hard")
ITEMS = ("lamp", "kettle", "jacket", "headset", "blender", "backpack", "monitor", "chair",
         "toaster", "scarf", "desk", "speaker", "camera", "rug", "mixer", "drill")


BASKET = {"easy": (1, 1), "hard": (2, 4)}
"""How many items an order holds, per tier (inclusive range)."""


@dataclass(frozen=True)
class Facts:
    intent: str
    order_id: str  # six digits
    member: str  # standard | gold
    items: tuple[str, ...]  # the order's items, as the ticket lists them
    prices: tuple[int, ...]
    target: int  # index of the item the ticket is about
    days: int  # days since delivery
    late_days: int
    opened: bool

    @property
    def tier(self) -> str:
        return "easy" if self.intent in EASY else "hard"

    @classmethod
    def from_dict(cls, facts: dict) -> Facts:
        """From `WorkloadItem.facts` (lists where the dataclass holds tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in facts.items()})

    def to_dict(self) -> dict:
        """JSON-shaped (lists, not tuples), so a workload file reads back equal."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @property
    def item(self) -> str:
        return self.items[self.target]

    @property
    def price(self) -> int:
        return self.prices[self.target]


def sample_facts(rng: random.Random, tier: str) -> Facts:
    if tier not in TIERS:
        raise ConfigError(f"unknown tier {tier!r}; valid tiers: {', '.join(TIERS)}")
    count = rng.randint(*BASKET[tier])
    return Facts(
        intent=rng.choice(EASY if tier == "easy" else HARD),
        order_id=f"{rng.randrange(100_000, 1_000_000)}",
        member=rng.choice(("standard", "gold")),
        items=tuple(rng.sample(ITEMS, count)),
        prices=tuple(rng.randint(20, 399) for _ in range(count)),
        target=rng.randrange(count),
        days=rng.randint(1, 90),
        late_days=rng.randint(1, 12),
        opened=rng.random() < 0.5,
    )


def resolve(f: Facts) -> dict[str, str | int]:
    """The reference answer: the manual's rules applied to the facts."""
    action, amount = _action_amount(f)
    if action == "refund" and amount > m.ESCALATE_ABOVE:
        action = "escalate"
    return {"intent": f.intent, "order_id": f.order_id, "action": action, "amount": amount}


def needs_item_price(f: Facts) -> bool:
    """True when the answer depends on which item of the order the ticket is about: another
    item of the same order would change it (the two-hop lookup of the hard tier)."""
    answer = resolve(f)
    return any(resolve(replace(f, target=t)) != answer for t in range(len(f.items)))


def _action_amount(f: Facts) -> tuple[str, int]:
    inside = f.days <= m.WINDOW_DAYS[f.member]
    if f.intent == "cancel":
        return "cancel", f.price
    if f.intent in ("tracking", "address_change"):
        return ("send_tracking" if f.intent == "tracking" else "update_address"), 0
    if f.intent == "late_delivery":
        late = f.late_days >= m.LATE_MIN_DAYS
        return ("store_credit", m.LATE_CREDIT[f.member]) if late else ("deny", 0)
    if f.intent in ("damaged", "wrong_item") and not inside:
        return "store_credit", f.price
    if f.intent == "damaged":
        return "refund", f.price + m.SHIPPING_FEE
    if f.intent == "wrong_item":
        return "replace", 0
    if not inside:  # changed_mind
        return "deny", 0
    return "refund", f.price - (m.RESTOCKING_FEE if f.opened else 0)


# --- wording -------------------------------------------------------------------------------

GREETINGS = ("Hi,", "Hello,", "Hey there,", "Good morning,", "Dear support,", "")
CLOSINGS = ("Thanks.", "Please help.", "What can you do?", "Thank you in advance.", "")
GOLD = ("I am a gold member.", "I have a gold membership.", "As a gold member, I expect help.")
STANDARD = ("", "", "I shop here often.", "This is my first order.")
WHAT = {
    "damaged": ("The {item} in order #{oid} arrived damaged.",
                "My order #{oid} came with the {item} broken.",
                "Order #{oid}: the {item} was cracked when I opened the box."),
    "wrong_item": ("I received the wrong item in order #{oid}: a {other}, not the {item}.",
                   "Order #{oid} contained a {other} instead of the {item} I ordered.",
                   "You sent me something else than the {item} in order #{oid}."),
    "changed_mind": ("I changed my mind about the {item} in order #{oid}.",
                     "I no longer want the {item} from order #{oid}.",
                     "Order #{oid}: I would like to return the {item}, I do not need it."),
    "late_delivery": ("Order #{oid} arrived {late} days late.",
                      "My parcel #{oid} was delivered {late} days after the promised date.",
                      "The {item} from order #{oid} came {late} days later than promised."),
    "cancel": ("Please cancel order #{oid}, it has not shipped yet.",
               "I ordered the {item} by mistake, cancel order #{oid} please.",
               "Cancel my order #{oid} before it ships."),
    "tracking": ("Where is my order #{oid}?", "Can you send me the tracking link for order #{oid}?",
                 "Order #{oid} has not arrived, where is it?"),
    "address_change": ("I moved. Please update the shipping address on order #{oid}.",
                       "Please send order #{oid} to my new address.",
                       "Change the delivery address of order #{oid}, please."),
}
DAYS = ("It was delivered {days} days ago.", "I got it {days} days ago.",
        "Delivery was {days} days ago.")
PRICE = ("It cost ${price}.", "I paid ${price} for it.", "The price was ${price}.")
BASKET_LIST = ("The order had {list}.", "I bought {list}.", "My order contained {list}.")
BASKET_ENTRY = ("a {item} (${price})", "a {item} for ${price}", "a {item} at ${price}")
OPENED = ("I already opened it.", "The box has been opened.", "I unpacked and tried it.")
SEALED = ("It is still sealed.", "The box is unopened.", "I never opened it.")


def render_ticket(f: Facts, rng: random.Random) -> str:
    """One wording of the facts; a different rng gives a paraphrase with the same answer."""
    other = rng.choice([i for i in ITEMS if i not in f.items])
    fill = {"oid": f.order_id, "item": f.item, "other": other, "price": f.price,
            "days": f.days, "late": f.late_days, "list": _basket(f, rng)}
    body = [rng.choice(WHAT[f.intent])]
    if f.intent in ("damaged", "wrong_item", "changed_mind"):
        body.append(rng.choice(DAYS))
    if f.tier == "hard":
        body.append(rng.choice(BASKET_LIST))
    elif f.intent == "cancel":
        body.append(rng.choice(PRICE))
    if f.intent == "changed_mind":
        body.append(rng.choice(OPENED if f.opened else SEALED))
    body.append(rng.choice(GOLD if f.member == "gold" else STANDARD))
    rest = body[1:]
    rng.shuffle(rest)
    parts = [rng.choice(GREETINGS), body[0], *rest, rng.choice(CLOSINGS)]
    return " ".join(p for p in parts if p).format(**fill)


def _basket(f: Facts, rng: random.Random) -> str:
    """"a lamp ($45), a kettle for $120 and a rug at $60": every item with its price."""
    entry = rng.choice(BASKET_ENTRY)
    entries = [entry.format(item=i, price=p) for i, p in zip(f.items, f.prices, strict=True)]
    return ", ".join(entries[:-1]) + " and " + entries[-1] if len(entries) > 1 else entries[0]


def make_item(f: Facts, rng: random.Random, item_id: str) -> WorkloadItem:
    return WorkloadItem(id=item_id, system=m.MANUAL, user=render_ticket(f, rng),
                        reference=resolve(f), tier=f.tier, group=f.order_id, facts=f.to_dict())


def generate(n: int, seed: int = 0, hard_share: float = 0.5) -> list[WorkloadItem]:
    """`n` requests, reproducible from `seed`; a share `hard_share` of them in the hard tier."""
    if n < 0:
        raise ConfigError(f"n must be >= 0, got {n}")
    if not 0.0 <= hard_share <= 1.0:
        raise ConfigError(f"hard_share must be within [0, 1], got {hard_share}")
    rng = random.Random(f"llmopt-demo-{seed}")
    items = []
    for i in range(n):
        tier = "hard" if rng.random() < hard_share else "easy"
        items.append(make_item(sample_facts(rng, tier), rng, f"s{seed}-{i:05d}"))
    return items


def paraphrases(item: WorkloadItem, n: int, seed: int = 0) -> list[WorkloadItem]:
    """`n` rewordings of `item` with the same facts and reference (for response-cache tests)."""
    if not item.facts:
        raise ConfigError(f"item {item.id} has no generator facts to paraphrase")
    facts = Facts.from_dict(item.facts)
    rng = random.Random(f"llmopt-paraphrase-{item.id}-{seed}")
    return [make_item(facts, rng, f"{item.id}-p{k}") for k in range(n)]


NEAR_MISS_KINDS = ("order_id", "item", "price", "days", "member")


def near_misses(item: WorkloadItem, n: int, seed: int = 0) -> list[WorkloadItem]:
    """`n` requests worded like `item` (its text with one fact swapped in place: order id, the
    item complained about, its price, days since delivery or membership) whose reference answer
    differs from `item`'s. A cache that serves `item`'s answer for one of them is wrong.

    Kinds that cannot change this item's answer are skipped; fewer than `n` may come back only
    when no kind applies (never for a generated item: the order id always does)."""
    if not item.facts:
        raise ConfigError(f"item {item.id} has no generator facts to vary")
    if n < 0:
        raise ConfigError(f"n must be >= 0, got {n}")
    f = Facts.from_dict(item.facts)
    rng = random.Random(f"llmopt-nearmiss-{item.id}-{seed}")
    out: list[WorkloadItem] = []
    for attempt in range(n * 21):
        if len(out) == n:
            break
        # the last tries swap the order id, which always applies (random picks can miss it)
        kind = rng.choice(NEAR_MISS_KINDS) if attempt < n * 20 else "order_id"
        changed = _swap(item.user, f, kind, rng)
        if changed is None:
            continue
        text, g = changed
        ref = resolve(g)
        if ref == item.reference or text == item.user:
            continue
        out.append(WorkloadItem(id=f"{item.id}-n{len(out)}", system=item.system, user=text,
                                reference=ref, tier=g.tier, group=g.order_id,
                                facts=g.to_dict()))
    return out


def _swap(text: str, f: Facts, kind: str, rng: random.Random) -> tuple[str, Facts] | None:
    """`text` with one fact of kind `kind` replaced, and the new facts; None if not applicable."""
    if kind == "order_id":
        oid = f"{rng.randrange(100_000, 1_000_000)}"
        return (text.replace(f.order_id, oid), replace(f, order_id=oid)) if oid != f.order_id \
            else None
    if kind == "item" and len(f.items) > 1:
        at = text.find(f.item)
        after = text[at + len(f.item):at + len(f.item) + 6]
        if at < 0 or after.startswith((" (", " for $", " at $")):
            return None  # the complaint does not name the item outside the basket list
        t = rng.choice([i for i in range(len(f.items)) if i != f.target])
        g = replace(f, target=t)
        return text[:at] + g.item + text[at + len(f.item):], g
    if kind == "price" and (f.intent == "cancel" or f.tier == "hard"):
        price = rng.randint(20, 399)
        if price == f.price:
            return None
        prices = list(f.prices)
        prices[f.target] = price
        g = replace(f, prices=tuple(prices))
        for old in (f"{f.item} (${f.price})", f"{f.item} for ${f.price}", f"{f.item} at ${f.price}",
                    f"${f.price}."):
            if old in text:
                return text.replace(old, old.replace(f"${f.price}", f"${price}"), 1), g
        return None
    if kind == "days" and f"{f.days} days ago" in text:
        days = rng.randint(1, 90)
        if days == f.days:
            return None
        return text.replace(f"{f.days} days ago", f"{days} days ago", 1), replace(f, days=days)
    if kind == "member":
        if f.member == "gold":
            for phrase in GOLD:
                if phrase in text:
                    return (" ".join(text.replace(phrase, "").split()),
                            replace(f, member="standard"))
            return None
        for phrase in STANDARD:
            if phrase and phrase in text:
                return text.replace(phrase, GOLD[0]), replace(f, member="gold")
        return f"{text} {GOLD[0]}", replace(f, member="gold")
    return None
