"""The engine on the real knowledge base: grounded answers, scope, follow-ups, languages."""

from __future__ import annotations

import pytest

from bench.evaluation import has_fact
from bot.engine.answerer import Answerer
from bot.engine.types import Answer


def answered_from(answerer: Answerer, question: str, section: str) -> Answer:
    """The answer to a question the guides answer, led by the section that answers it."""
    answer = answerer.ask(question)
    assert answer.in_scope, question
    assert answer.sources[0].section == section, question
    return answer


def test_german_question_gets_a_german_answer_with_the_fact_and_sources(answerer: Answerer) -> None:
    answer = answerer.ask("Wie lange dauert ein Match im TikTok-Live?")
    assert answer.in_scope and answer.language == "de"
    assert has_fact(answer.text, ["5 Minuten", "fünf Minuten", "5-minütig"])
    assert answer.sources and all(s.file.startswith("de/") for s in answer.sources)
    assert all(s.title and s.section and s.as_of for s in answer.sources)


def test_english_question_gets_an_english_answer_from_english_guides(answerer: Answerer) -> None:
    answer = answerer.ask("When did ByteDance buy Musical.ly and for how much?")
    assert answer.in_scope and answer.language == "en"
    assert has_fact(answer.text, ["November 2017"])
    assert has_fact(answer.text, ["1 billion", "one billion"])
    assert all(s.file.startswith("en/") for s in answer.sources)


def test_answer_is_short_lead_plus_at_most_four_points(answerer: Answerer) -> None:
    answer = answerer.ask("Wie hat sich TikTok seit der Fusion mit Musical.ly entwickelt?")
    lines = answer.text.splitlines()
    assert not lines[0].startswith("•")
    assert 1 <= len(lines) - 1 <= 4 and all(line.startswith("• ") for line in lines[1:])


def test_a_list_the_lead_announces_is_shown_whole(answerer: Answerer) -> None:
    answer = answerer.ask("Welche Signale nutzt die For-You-Seite?")
    lines = answer.text.splitlines()
    assert lines[0].endswith(":")
    assert len(lines) == 7  # all six signals
    assert has_fact(answer.text, ["Betrachtungsdauer"]) and has_fact(answer.text, ["Trending"])


def test_out_of_scope_question_is_declined_with_what_the_bot_covers(answerer: Answerer) -> None:
    answer = answerer.ask("Wie backe ich ein Roggenbrot mit Sauerteig?")
    assert not answer.in_scope
    assert "nichts in meinen Leitfäden" in answer.text
    assert not answer.sources
    assert len(answer.topics) >= 5


def test_a_question_about_europe_finds_the_gdpr(answerer: Answerer) -> None:
    answer = answerer.ask("Which law protects users' data in Europe?")  # the guide says "European Union"
    assert answer.in_scope and "GDPR" in answer.text


def test_english_wording_the_guides_do_not_use_is_answered_but_an_unknown_name_is_not(answerer: Answerer) -> None:
    teens = answerer.ask("Is it true that only teenagers are on TikTok?")  # the guide says "young target groups"
    assert teens.in_scope and "all age groups" in teens.text
    assert not answerer.ask("How does the Pinterest algorithm work?").in_scope
    assert not answerer.ask("Which CRM should a small shop use?").in_scope


def test_english_out_of_scope_is_declined_in_english(answerer: Answerer) -> None:
    answer = answerer.ask("Who won the football world cup in 2014?")
    assert not answer.in_scope and answer.language == "en"
    assert "don't cover" in answer.text


def test_follow_up_is_resolved_against_the_previous_turn(answerer: Answerer) -> None:
    first = answerer.ask("Was sind Matches bei TikTok-Lives?")
    follow = answerer.ask("Und wie lange dauert so eins?", [first.as_turn()])
    assert follow.in_scope
    assert has_fact(follow.text, ["5 Minuten", "fünf Minuten", "5-minütig"])


def test_a_follow_up_with_die_keeps_the_subject(answerer: Answerer) -> None:
    first = answerer.ask("Setzt das TikTok-Pixel Cookies?")
    follow = answerer.ask("wie lange sind die gespeichert?", [first.as_turn()])
    assert follow.in_scope and has_fact(follow.text, ["13 Monate"])


def test_a_follow_up_saying_er_for_the_algorithm_is_answered_about_the_algorithm(answerer: Answerer) -> None:
    # "er" was not read as pointing back, so the follow-up was declined as a question of its own.
    first = answerer.ask("Wie funktioniert der Algorithmus?")
    follow = answerer.ask("wie lange dauert das bis er mich kennt", [first.as_turn()])
    assert follow.in_scope and "Algorithmus" in follow.sources[0].section


def test_after_the_cost_of_selling_on_tiktok_shop_getting_paid_is_answered_with_the_payout(answerer: Answerer) -> None:
    # "and when do i get paid" was answered with what affiliate creators are, who "get paid" a commission.
    first = answerer.ask("what does tiktok shop cost sellers")
    follow = answerer.ask("and when do i get paid", [first.as_turn()])
    assert follow.in_scope and follow.sources[0].section == "When does TikTok Shop pay out the money for my sales?"


def test_a_follow_up_is_answered_by_the_section_it_leans_on_when_that_says_all_it_asks(answerer: Answerer) -> None:
    first = answerer.ask("wie lange sollte ein werbevideo sein")
    assert first.in_scope and first.as_turn().section == "de/werbung.md#" + first.sources[0].section
    again = answerer.ask("und welches format", [first.as_turn()])  # once declined, pointing to that very section
    assert again.in_scope and again.sources[0].section == first.sources[0].section
    assert "9:16" in again.text
    # a word that section never uses is not answered from it
    other = answerer.ask("und welche hashtags?", [first.as_turn()])
    assert not other.sources or other.sources[0].section != first.sources[0].section


def test_a_follow_up_to_a_question_the_guides_do_not_cover_is_not_answered_from_another_topic(
    answerer: Answerer,
) -> None:
    first = answerer.ask("Wie funktioniert die Werbung auf Snapchat?")
    follow = answerer.ask("und wie lange dauert das?", [first.as_turn()])
    assert not first.in_scope and not follow.in_scope
    assert "Match" not in follow.text


def test_a_new_topic_with_a_pronoun_or_in_few_words_is_not_read_as_a_follow_up(answerer: Answerer) -> None:
    ads = answerer.ask("Was kostet Werbung auf TikTok mindestens?")
    pixel = answerer.ask("wir wollen das pixel einbauen, brauchen wir dafür eine einwilligung?", [ads.as_turn()])
    # Read as a follow-up on ads, it was answered "Nein, jedenfalls nicht automatisch" (the Events API).
    assert pixel.text.startswith("Ja") and "Einwilligung" in pixel.sources[0].section
    history = answerer.ask("Seit wann gibt es Musical.ly?")
    ccpa = answerer.ask("Was ist der CCPA?", [history.as_turn()])
    assert ccpa.in_scope and "Kalifornien" in ccpa.text and "Musical.ly" not in ccpa.text


def test_a_question_typed_in_capitals_is_read_as_in_lower_case(answerer: Answerer) -> None:
    # In capitals every word looked like a name no guide mentions, and the question was declined.
    answer = answerer.ask("WIE ALT MUSS MAN FÜR LIVE SEIN")
    assert answer.in_scope and has_fact(answer.text, ["18 Jahre"])


def test_elliptical_follow_up_swaps_the_qualifier_instead_of_keeping_it(answerer: Answerer) -> None:
    first = answerer.ask("Wie viele Nutzer hat TikTok in Deutschland?")
    follow = answerer.ask("Und weltweit?", [first.as_turn()])
    assert follow.in_scope and "Milliarde" in follow.text
    assert follow.question == "Wie viele Nutzer hat TikTok weltweit?"  # what the next follow-up builds on
    again = answerer.ask("Und in Kalifornien?", [answerer.ask("Welche Regeln gelten für TikTok in der EU?").as_turn()])
    assert "CCPA" in again.text


def test_an_expanded_follow_up_stands_alone_and_does_not_search_the_replaced_place(answerer: Answerer) -> None:
    first = answerer.ask("how many tiktok users are there in germany?")
    follow = answerer.ask("and in europe overall?", [first.as_turn()])
    assert follow.in_scope and follow.standalone_question == "how many tiktok users are there in europe overall?"
    assert "200 million" in follow.text and follow.sources[0].section == "How many people use TikTok in Europe?"


def test_follow_up_without_a_conversation_asks_for_the_topic(answerer: Answerer) -> None:
    answer = answerer.ask("Und wie lange dauert so eins?")
    assert not answer.in_scope
    assert "Worauf bezieht sich Ihre Frage?" in answer.text


def test_follow_up_typed_in_lower_case_still_finds_its_subject(answerer: Answerer) -> None:
    first = answerer.ask("was sind matches im tiktok live?")
    follow = answerer.ask("und wie lange dauert das?", [first.as_turn()])
    assert has_fact(follow.text, ["5 Minuten", "fünf Minuten"])


def test_empty_and_overlong_questions_get_a_clear_message(answerer: Answerer) -> None:
    empty = answerer.ask("   ")
    assert not empty.in_scope and "Frage" in empty.text
    huge = answerer.ask("Wie funktioniert TikTok? " * 200)
    assert not huge.in_scope and "zu lang" in huge.text


def test_language_of_a_terse_follow_up_stays_with_the_conversation(answerer: Answerer) -> None:
    first = answerer.ask("How many languages is TikTok available in?")
    follow = answerer.ask("Und Märkte?", [first.as_turn()])
    assert follow.language == "de"
    second = answerer.ask("150?", [first.as_turn()])
    assert second.language == "en"


def test_a_section_answers_its_own_heading_question_even_without_a_figure(answerer: Answerer) -> None:
    # "Wann …?" asks for a time, and the section names none ("Eine offizielle beste Uhrzeit nennt
    # TikTok nicht"): it was declined as holding no date, though its heading asks exactly that.
    best_time = answerer.ask("Wann ist die beste Uhrzeit zum Posten?")
    assert best_time.in_scope and has_fact(best_time.text, ["offizielle beste Uhrzeit nennt TikTok nicht"])
    commercial = answerer.ask("Wann gilt ein Video als kommerziell?")  # "wann" asks on which condition
    assert commercial.in_scope and has_fact(commercial.text, ["bewirbt"])


def test_the_minimum_age_for_tiktok_is_not_answered_with_the_age_of_its_users(answerer: Answerer) -> None:
    # Asked for the rule, the bot once answered with who uses TikTok in Germany (ARD/ZDF study):
    # a sure-looking answer to another question, for a toy shop whose followers are children.
    answer = answerer.ask("Ab wie viel Jahren darf man TikTok nutzen?")
    assert answer.in_scope and has_fact(answer.text, ["13 Jahren"])
    assert not has_fact(answer.text, ["ARD/ZDF"])
    assert any(s.section == "Ab welchem Alter darf man TikTok nutzen?" for s in answer.sources)


def test_who_owns_tiktok_is_answered_with_the_owner_not_with_the_data_debate(answerer: Answerer) -> None:
    # Once answered from the section on data passed to the Chinese government; the owner's
    # question gets the owner and the company an owner in Europe actually contracts with.
    answer = answerer.ask("who owns tiktok, is it chinese?")
    assert answer.in_scope and has_fact(answer.text, ["TikTok belongs to ByteDance"])
    assert has_fact(answer.text, ["TikTok Technology Limited"])


def test_vat_on_ad_invoices_is_answered_with_tiktoks_vat_rules_and_the_limit_of_the_guides(answerer: Answerer) -> None:
    # Once answered with the ways to pay for ads, as if that settled the tax question.
    answer = answerer.ask("Kommt auf die Rechnungen von TikTok für unsere Anzeigen eigentlich Mehrwertsteuer drauf?")
    assert answer.in_scope and has_fact(answer.text, ["USt-IdNr."])
    assert has_fact(answer.text, ["Steuerberatung"])  # booking and the reverse charge are not the guides' to answer


def test_posting_a_customer_filmed_without_asking_is_answered_with_the_consent_rule(answerer: Answerer) -> None:
    # Once declined, with a pointer to the music section; filming customers is what a shop
    # owner does first, and the answer must not read as a bare "yes".
    answer = answerer.ask("hab nen kunden gefilmt ohne zu fragen, darf ich das video trotzdem hochladen?")
    assert answer.in_scope and has_fact(answer.text, ["vorher zugestimmt"])
    assert has_fact(answer.text, ["KUG", "Landgericht Frankfurt"])  # the law or the ruling behind it
    assert answer.text.count("keine Rechtsberatung") == 1


def test_a_giveaway_and_the_blue_badge_are_answered_not_declined(answerer: Answerer) -> None:
    giveaway = answerer.ask("dürfen wir auf tiktok was verlosen, wenn man uns dafür folgen muss?")
    assert giveaway.in_scope and has_fact(giveaway.text, ["Teilnahme kostenlos"])
    badge = answerer.ask("can i just pay for the blue tick on tiktok?")
    assert badge.in_scope and has_fact(badge.text, ["cannot buy it"])


def test_the_cost_of_an_influencer_is_not_answered_with_the_labelling_rules(answerer: Answerer) -> None:
    # Once answered with when a paid collaboration must be labelled: sure-looking, and beside the
    # question. TikTok publishes no rates, and the answer says so.
    answer = answerer.ask("Was kostet ein TikTok-Influencer?")
    assert answer.in_scope and has_fact(
        answer.text, ["Feste Preise für Creator-Kooperationen veröffentlicht TikTok nicht"]
    )


def test_radio_playing_in_the_shop_is_not_answered_with_a_bare_no(answerer: Answerer) -> None:
    # "Ist das ein Problem?" answered "In der Regel nein: …" read as "no problem" while the section
    # said the opposite; the lead now states the condition instead of a yes or no.
    answer = answerer.ask("im salon läuft immer radio, ist das ein problem fürs video?")
    assert answer.in_scope and has_fact(answer.text, ["Nur mit Erlaubnis der Rechteinhaber"])
    assert not answer.text.startswith(("Nein", "In der Regel nein"))


def test_a_banned_account_and_embedding_videos_are_answered_with_their_sections(answerer: Answerer) -> None:
    banned = answerer.ask("tiktok hat unseren account gesperrt, was können wir machen?")
    assert banned.in_scope and has_fact(banned.text, ["Widerspruch"])
    embed = answerer.ask("can we embed our tiktoks on our company website?")
    assert embed.in_scope and has_fact(embed.text, ["consent"])
    assert embed.text.count("not legal advice") == 1


def test_a_question_on_tiktoks_data_protection_fines_gets_both_irish_fines_from_one_section(answerer: Answerer) -> None:
    # Two guides once answered it with near-identical sections, and the answer was declined
    # because neither stood out; one section now holds every fine and the court case.
    for question in (
        "hat tiktok nicht mal ne riesen datenschutzstrafe bekommen? wie viel war das",
        "didnt tiktok get fined big time over privacy? how much",
    ):
        answer = answerer.ask(question)
        assert answer.in_scope and has_fact(answer.text, ["345"]) and has_fact(answer.text, ["530"])
        assert len({source.section for source in answer.sources}) == 1


def test_a_hacked_account_a_harassing_user_a_camera_live_and_a_new_username_get_their_own_sections(
    answerer: Answerer,
) -> None:
    # Each was declined before the guides covered it, and the question on a harassing commenter
    # once went to the comment filters.
    hacked = answerer.ask("unser tiktok wurde gehackt, wir kommen nicht mehr rein. was tun?")
    assert hacked.in_scope and hacked.sources[0].section.startswith("Unser TikTok-Konto wurde gehackt")
    troll = answerer.ask("einer beleidigt uns dauernd in den kommentaren, kann ich den blockieren?")
    assert troll.in_scope and has_fact(troll.text, ["Blockieren"])
    camera = answerer.ask("can we stream a tiktok live from a laptop with a real camera?")
    assert camera.in_scope and has_fact(camera.text, ["LIVE Studio"])
    username = answerer.ask("How do I change my TikTok username?")  # once answered with the signs of a hack
    assert username.in_scope and has_fact(username.text, ["once every 30 days"])


def test_a_tax_question_about_live_gifts_is_answered_with_the_tax_rules_not_how_gifts_earn(answerer: Answerer) -> None:
    # Once answered from the section on how creators earn in a LIVE, which says nothing about tax.
    answer = answerer.ask("muss ich steuern zahlen wenn ich mit live geschenken was verdiene")
    assert answer.in_scope and answer.sources[0].section == "Muss ich Einnahmen aus TikTok versteuern?"
    assert has_fact(answer.text, ["als Einkommen"])


def test_free_food_for_an_influencer_a_monthly_ad_budget_and_sponsored_posts_are_understood(
    answerer: Answerer,
) -> None:
    # "umsonst" is what the guide calls "kostenlos überlassen"; a budget per month is what the
    # section on minimum ad spend works out for 31 days; "sponsored" is advertising. Each was declined.
    free_meal = answerer.ask("die influencerin hat bei uns umsonst gegessen und gepostet, muss sie das kennzeichnen?")
    assert free_meal.in_scope
    assert (
        free_meal.sources[0].section == "Wann muss eine Kooperation mit Influencern als Werbung gekennzeichnet werden?"
    )
    budget = answerer.ask("mit wie viel geld im monat muss ich für tiktok werbung rechnen")
    assert budget.in_scope and budget.sources[0].section == "Was kostet Werbung auf TikTok mindestens?"
    assert has_fact(budget.text, ["620 US-Dollar"])
    sponsored = answerer.ask("do i have to label sponsored posts on our company account?")
    assert sponsored.in_scope and "label" in sponsored.sources[0].section


def test_asked_what_job_ads_cost_after_an_answer_on_job_ads_the_minimum_budget_answers(answerer: Answerer) -> None:
    # Once declined in German (the section on job ads names no amount) and answered in English
    # from that section anyway.
    for opener, follow_up, budget in [
        ("kann ich auf tiktok stellenanzeigen schalten", "und was kostet das", "50 US-Dollar"),
        ("are tiktok ads worth it for hiring", "and what does that cost", "50 US dollars"),
    ]:
        first = answerer.ask(opener)
        assert first.in_scope
        cost = answerer.ask(follow_up, [first.as_turn()])
        assert cost.in_scope and has_fact(cost.text, [budget]), follow_up


def test_what_goes_into_the_imprint_and_an_employee_who_quits_are_asked_as_follow_ups(answerer: Answerer) -> None:
    # "rein" in "was muss da rein" is a particle, not a word the section must use (the section on
    # whether an imprint is needed answered instead); "kündigt" is how owners say an employee leaves.
    imprint = answerer.ask("brauche ich ein impressum auf tiktok")
    contents = answerer.ask("und was muss da rein", [imprint.as_turn()])
    assert contents.in_scope and contents.sources[0].section == "Was muss im Impressum für TikTok stehen?"
    filming = answerer.ask("dürfen wir mitarbeiter filmen")
    leaving = answerer.ask("und wenn einer kündigt?", [filming.as_turn()])
    assert leaving.in_scope
    assert leaving.sources[0].section == "Müssen wir Videos löschen, wenn ein Mitarbeiter das Unternehmen verlässt?"


def test_a_follow_up_to_a_declined_question_keeps_that_questions_subject(answerer: Answerer) -> None:
    # "und was kostet das" after a question on Pinterest ads asks what Pinterest ads cost; it was
    # answered with TikTok's minimum budget, from the last question the guides had answered.
    history = [answerer.ask("was kostet werbung auf tiktok").as_turn()]
    pinterest = answerer.ask("und wie funktioniert werbung auf pinterest", history)
    assert pinterest.declined
    cost = answerer.ask("und was kostet das", [*history, pinterest.as_turn()])
    assert cost.declined and "50 US-Dollar" not in cost.text


def test_a_stolen_video_is_a_copied_one(answerer: Answerer) -> None:
    # The guide says "kopiert"/"copies"; owners say "geklaut"/"steals". Both were declined.
    for question, section in [
        (
            "jemand hat unser video geklaut, was können wir tun",
            "Was können wir tun, wenn jemand unsere Videos kopiert oder unser Logo auf TikTok missbraucht?",
        ),
        (
            "what should i do if someone steals my video",
            "What can we do if someone copies our videos or misuses our logo on TikTok?",
        ),
    ]:
        answer = answerer.ask(question)
        assert answer.in_scope and answer.sources[0].section == section, question


def test_a_winery_asking_about_alcohol_ads_gets_tiktoks_rule_not_the_giveaway_section(answerer: Answerer) -> None:
    # Once answered from the section on giveaways, which mentions alcohol only as a banned prize.
    answer = answered_from(
        answerer,
        "wir verkaufen wein, dürfen wir auf tiktok überhaupt werbung für alkohol machen",
        "Darf ich auf TikTok Werbung für Wein, Bier oder andere alkoholische Getränke schalten?",
    )
    assert has_fact(answer.text, ["In Europa nicht"])


def test_payouts_from_the_shop_and_from_live_gifts_are_answered_from_their_own_sections(answerer: Answerer) -> None:
    # The shop payout was answered with how long a LIVE lasts; a payout elsewhere is no question for either.
    shop = answered_from(
        answerer,
        "wie lange dauert die auszahlung im tiktok shop",
        "Wann zahlt der TikTok Shop mir das Geld für meine Verkäufe aus?",
    )
    assert has_fact(shop.text, ["sieben Tage nach der Zustellung"])  # the US rule, said to be the US rule
    gifts = answerer.ask("how long does it take to get the money from my live gifts")
    assert gifts.in_scope and has_fact(gifts.text, ["15 calendar days"])
    assert not answerer.ask("wie lange dauert die auszahlung bei amazon").in_scope


def test_which_products_tiktok_shop_does_not_allow_is_answered_with_its_two_lists(answerer: Answerer) -> None:
    # Once answered with how to sell on TikTok Shop.
    answer = answered_from(
        answerer,
        "welche produkte darf man im tiktok shop nicht verkaufen",
        "Welche Produkte darf man im TikTok Shop nicht verkaufen?",
    )
    assert has_fact(answer.text, ["Seller Center"])  # where the German list is


def test_between_two_about_equally_likely_sections_the_one_ranked_first_answers(answerer: Answerer) -> None:
    # Both lost by a thousandth: cashing out to whether a business account receives gifts, and
    # whether TikTok pays off for a shop to whether TikTok Shop does.
    answered_from(
        answerer,
        "wie bekomme ich das geld aus live geschenken aufs konto",
        "Wie bekomme ich das Geld aus LIVE-Geschenken auf mein Konto, und wie lange dauert das?",
    )
    shop = answerer.ask("Lohnt sich TikTok für meinen Laden?")
    assert shop.in_scope and "TikTok Shop" not in shop.sources[0].section


def test_a_question_naming_no_tiktok_product_is_not_answered_from_a_section_about_live(answerer: Answerer) -> None:
    # "wie alt muss man für tiktok sein" was answered with the minimum age for going LIVE (18).
    answer = answerer.ask("wie alt muss man für tiktok sein")
    assert not answer.sources or "live" not in answer.sources[0].section.lower()
    answered_from(
        answerer,
        "Unser Azubi ist 17 und würde gern für uns live gehen. Darf er das?",
        "Ab welchem Alter darf ich auf TikTok live gehen?",
    )


def test_whether_tiktok_is_banned_here_is_answered_for_germany_not_with_the_us_ban(answerer: Answerer) -> None:
    # Once answered from the section on the US ban, as if the US law applied here.
    answer = answered_from(
        answerer,
        "ist tiktok in deutschland verboten",
        "Ist TikTok in Deutschland oder in der EU verboten?",
    )
    assert has_fact(answer.text, ["nicht verboten"])
    answered_from(answerer, "Will the EU ban TikTok?", "Is TikTok banned in Germany or the EU?")


def test_deleting_a_video_is_not_answered_with_deleting_a_comment(answerer: Answerer) -> None:
    # Once answered from the section on deleting comments; the guides have no source for deleting
    # a video and say so, next to making it private, which TikTok's help describes.
    answer = answered_from(
        answerer,
        "wie lösche ich ein video",
        "Wie mache ich ein TikTok-Video nachträglich privat oder nur für bestimmte Leute sichtbar?",
    )
    assert has_fact(answer.text, ["nicht gefunden"])


def test_whether_tiktok_exists_in_china_is_answered_with_douyin(answerer: Answerer) -> None:
    # Once answered with China's data protection law, and in English with the US ban.
    answer = answered_from(answerer, "ist tiktok in china erlaubt", "Gibt es TikTok auch in China?")
    assert has_fact(answer.text, ["Douyin"])
    answered_from(answerer, "is tiktok banned in china", "Is TikTok available in China?")


def test_what_tiktok_pays_per_thousand_views_is_not_answered_with_what_ads_cost(answerer: Answerer) -> None:
    # Once answered with the auction price of ads; TikTok names no rate, and the answer says so.
    answer = answered_from(
        answerer, "wie viel geld bekommt man pro 1000 aufrufe", "Wie viel zahlt TikTok pro 1.000 Aufrufe?"
    )
    assert has_fact(answer.text, ["nennt TikTok nicht"])
    answered_from(
        answerer,
        "wie viel kostet werbung pro 1000 aufrufe",
        "Gibt es bei TikTok einen festen Preis pro Klick oder pro Aufruf?",
    )


def test_an_even_if_after_a_question_asks_that_question_again_with_its_condition(answerer: Answerer) -> None:
    # "even if i was not paid?" was read as a question of its own and declined.
    first = answerer.ask("do i have to label ads on tiktok")
    answer = answerer.ask("even if i was not paid?", [first.as_turn()])
    assert answer.in_scope
    assert answer.sources[0].section == "When does a collaboration with influencers have to be labelled as advertising?"


def test_a_rough_price_per_thousand_ad_views_gets_the_blogs_ranges_marked_as_theirs(answerer: Answerer) -> None:
    # Once answered with what TikTok pays creators per 1,000 views: a price the other way round.
    answer = answered_from(
        answerer,
        "wie viel kostet tiktok werbung pro 1000 views",
        "Was kostet TikTok-Werbung ungefähr pro 1.000 Einblendungen (CPM)?",
    )
    assert has_fact(answer.text, ["nennt TikTok nicht"]) and "Blogs" in answer.text


@pytest.mark.parametrize(
    ("question", "section"),
    [
        # "beachten" is in no guide and made the question look as if it asked about something else
        (
            "Was ist beim TikTok-Pixel zu beachten?",
            "Brauche ich für das TikTok-Pixel auf meiner Website eine Einwilligung?",
        ),
        # "we're" left "re", a word no guide uses
        ("we're a bakery, is tiktok worth it for us", "Is TikTok worth it for small and medium-sized businesses?"),
        # "gen" and the single letter "z" were words no guide uses
        ("is tiktok only for gen z", "Is TikTok only for young target groups?"),
        ("ist tiktok nur was für teenies?", "Ist TikTok nur etwas für junge Zielgruppen?"),
        # "nehmen" and "packen" for "nutzen"
        (
            "soll ich fürs geschäft ein privates profil nehmen oder ein firmenkonto?",
            "Sollte mein Betrieb ein Unternehmenskonto nutzen?",
        ),
        ("welche hashtags soll ich unter mein video packen", "Was bringen Hashtags auf TikTok?"),
        # "Link" where the section says "verlinken", "anguckt" where it says "angeschaut"
        ("kann ich einen link in die bio packen", "Kann ich im Unternehmenskonto Website und E-Mail angeben?"),
        ("wo seh ich wer meine videos anguckt", "Wo sehe ich, wie oft meine Videos angesehen wurden?"),
    ],
)
def test_an_owners_everyday_words_find_the_section_that_answers(
    answerer: Answerer, question: str, section: str
) -> None:
    # Each was declined for a word that asks nothing or that the guides put otherwise
    # (knowledge/vocabulary.yaml, the stopwords).
    answered_from(answerer, question, section)


def test_a_longer_section_is_answered_whole_not_cut_to_the_sentences_sharing_the_question_words(
    answerer: Answerer,
) -> None:
    # Four points had dropped the ruling that a withdrawal needs a plausible reason and kept the
    # sentence after it, whose "dort" then pointed at nothing.
    answer = answerer.ask("ein ex-mitarbeiter will dass wir alle videos mit ihm löschen, müssen wir das?")
    assert (
        answer.in_scope
        and answer.sources[0].section == "Müssen wir Videos löschen, wenn ein Mitarbeiter das Unternehmen verlässt?"
    )
    assert "plausiblen Grund" in answer.text and "genügte dort nicht" in answer.text


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("wie viele hashtags soll ich nehmen", "keine empfohlene Anzahl"),
        ("how many hashtags should i use", "does not publish a recommended number"),
    ],
)
def test_how_many_hashtags_is_answered_with_tiktok_naming_no_number(
    answerer: Answerer, question: str, fact: str
) -> None:
    # The German section said it in words the judge did not read as "no figure", and declined.
    answer = answerer.ask(question)
    assert answer.in_scope and fact in answer.text


def test_a_question_about_tiktok_at_large_borrows_nothing_from_a_section_on_one_of_its_products(
    answerer: Answerer,
) -> None:
    # Sharing "verboten", the products TikTok Shop bans had closed the answer on whether TikTok is banned.
    answer = answerer.ask("ist tiktok in deutschland verboten")
    assert answer.in_scope and answer.sources[0].section == "Ist TikTok in Deutschland oder in der EU verboten?"
    assert "Schusswaffen" not in answer.text and all("TikTok Shop" not in s.section for s in answer.sources)


def test_the_us_in_capitals_is_asked_about_as_the_country(answerer: Answerer) -> None:
    # Read as the pronoun "us", the country was dropped from the question, which was declined.
    answer = answerer.ask("what happened with tiktok in the US")
    assert answer.in_scope and answer.sources[0].section == "What happened to the TikTok ban in the United States?"
