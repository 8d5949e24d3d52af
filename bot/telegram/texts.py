"""The Telegram front end's wording in German and English: HTML replies, menus, commands, buttons.

The engine's own texts (declines, notices) stay in `bot/engine/texts.py`; `text` here finds both.
"""

from __future__ import annotations

from bot.engine.texts import TEXTS as ENGINE_TEXTS
from bot.engine.texts import pick

UI_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "welcome": (
            "Willkommen beim <b>TikTok-Berater</b>!\n\n"
            "Ich beantworte Fragen zu TikTok für Unternehmen: wie der For-You-Algorithmus "
            "funktioniert, was LIVE-Shopping bringt, wie Recruiting auf TikTok gelingt, was beim "
            "Datenschutz gilt und woher TikTok kommt – kurz und mit Quellen.\n\n"
            "Schreiben Sie einfach Ihre Frage oder wählen Sie ein Thema:"
        ),
        "help": (
            "<b>So nutzen Sie den TikTok-Berater</b>\n"
            "Stellen Sie Ihre Frage als Nachricht, auf Deutsch oder Englisch. Rückfragen wie "
            "„Und wie lange dauert das?“ verstehe ich im Zusammenhang.\n\n"
            "/themen – Themen und Beispielfragen\n"
            "/quellen – Quellen der letzten Antwort\n"
            "/neu – neues Gespräch beginnen\n"
            "/datenschutz – was ich speichere\n"
            "/vergessen – alles über Sie löschen\n"
            "/whoami – Ihre Telegram-ID und die dieses Chats (für die Freischaltung)\n\n"
            "In Gruppen antworte ich, wenn Sie mich erwähnen oder auf meine Nachricht antworten."
        ),
        "choose_topic": "Wählen Sie ein Thema:",
        "topic_questions": "Beispielfragen zu <b>{topic}</b>:",
        "no_sources": "In diesem Chat gibt es noch keine Antwort mit Quellen.",
        "sources_of": "Quellen der Antwort:",
        "new_conversation": "Alles klar, wir beginnen ein neues Gespräch. Was möchten Sie wissen?",
        "privacy": (
            "<b>Was ich speichere</b>\n"
            "• Den Gesprächsverlauf dieses Chats (höchstens {turns} Fragen) nur im Arbeitsspeicher, "
            "damit ich Rückfragen verstehe; nach {minutes} Minuten Ruhe oder mit /neu ist er weg.\n"
            "• Zu jeder Antwort: Zeitpunkt, Sprache, Thema, ob ich sie beantworten konnte, Ihre "
            "Bewertung 👍/👎 und die Quellenangaben – mit einem gesalzenen Hash statt Ihrer "
            "Telegram-ID. Daraus entstehen Statistiken für das Team.\n"
            "• Den Wortlaut einer Frage nur, wenn ich sie nicht beantworten konnte oder Sie die "
            "Antwort mit 👎 bewertet haben, damit das Team die Wissensbasis verbessern kann.\n"
            "{pairing_note}"
            "Alles wird nach {retention} Tagen automatisch gelöscht (täglich geprüft). Ihre Fragen "
            "werden nicht an Dritte geschickt{llm_note}.\n"
            "Mit /vergessen löschen Sie sofort alles, was über Sie gespeichert ist."
        ),
        "privacy_llm": ", außer an das eingestellte KI-Modell, das die Antworten formuliert",
        "privacy_pairing": (
            "• Wenn Sie per Code freigeschaltet wurden: Ihren Telegram-Namen und Ihre ID, solange die "
            "Freischaltung gilt; entzieht das Team sie, ist beides gelöscht.\n"
        ),
        "staff_only": "Dieser Befehl ist dem Team vorbehalten.",
        "private_only": (
            "Staff-Befehle beantworte ich nur im privaten Chat mit mir: Berichte und Fragen "
            "anderer Nutzer gehören nicht in eine Gruppe."
        ),
        "stats_title": "<b>Statistik der letzten {days} Tage</b>",
        "stats_totals": "Fragen: {total} – beantwortet {answered} ({share}), abgelehnt {declined}",
        "stats_feedback": "Bewertungen: 👍 {up} · 👎 {down}",
        "stats_topics": "<b>Beantwortet nach Thema</b>",
        "stats_days": "<b>Pro Tag</b> (beantwortet / abgelehnt)",
        "stats_empty": "In den letzten {days} Tagen wurden keine Fragen gestellt.",
        "stats_chart": "Fragen pro Tag, letzte {days} Tage",
        "chart_answered": "beantwortet",
        "chart_declined": "abgelehnt",
        "gaps_title": (
            "<b>Lücken der letzten {days} Tage</b> (abgelehnt oder mit 👎 bewertet, ähnliche zusammengefasst):"
        ),
        "gaps_line": "{count}× {question}",
        "gaps_variants": "   ähnlich: {others}",
        "gaps_none": "Keine abgelehnten oder schlecht bewerteten Fragen in den letzten {days} Tagen.",
        "gaps_marks": "(abgelehnt {declined}, 👎 {down})",
        "reload_started": "Ich lese die Wissensbasis neu ein. Fragen werden währenddessen weiter beantwortet …",
        "reload_done": "Wissensbasis neu geladen: {summary}",
        "reload_skipped": "Übersprungen: {file} – {reason}",
        "reload_failed": "Neu einlesen fehlgeschlagen: {reason}\nEs gilt weiter der bisherige Stand.",
        "reload_busy": "Die Wissensbasis wird gerade schon neu eingelesen.",
        "stale_none": "Kein Abschnitt der Leitfäden ist über sein Prüfdatum hinaus.",
        "stale_title": "<b>{count} Abschnitte über ihrem Prüfdatum</b> (Antworten daraus sagen „kann veraltet sein“):",
        "stale_line": "• {title} › {section} (prüfen bis {review_by})",
        "forget_confirm": "Soll ich alles löschen, was ich über Sie gespeichert habe?",
        "forget_yes": "Ja, alles löschen",
        "forget_no": "Abbrechen",
        "forgotten": "Erledigt: Gesprächsverlauf, Quellen und Bewertungen von Ihnen sind gelöscht.",
        "forget_cancelled": "Abgebrochen, es wurde nichts gelöscht.",
        "not_allowed": (
            "Dieser Bot ist ein internes Werkzeug und für Sie nicht freigeschaltet. "
            "Bitte wenden Sie sich an Ihre Ansprechperson in der Agentur und nennen Sie ihr "
            "Ihre Telegram-ID: <code>{user_id}</code>"
        ),
        "not_allowed_short": "Dieser Bot ist für Sie nicht freigeschaltet.",
        "pairing_code": (
            "Dieser Bot ist ein internes Werkzeug und für Sie noch nicht freigeschaltet.\n"
            "Ihr Freischalt-Code: <code>{code}</code>\n"
            "Nennen Sie ihn Ihrer Ansprechperson in der Agentur; sobald sie ihn bestätigt, melde ich mich "
            "hier. Der Code gilt 24 Stunden."
        ),
        "pairing_code_group": (
            "Diese Gruppe ist für den Bot noch nicht freigeschaltet. Freischalt-Code: <code>{code}</code> – "
            "eine Administratorin oder ein Administrator bestätigt ihn mit /freigeben {code}."
        ),
        "pairing_request": "Zugangsanfrage von {who}: Code <code>{code}</code>\nFreigeben: /freigeben {code}",
        "pairing_welcome": (
            "Sie sind freigeschaltet. Stellen Sie Ihre Frage einfach als Nachricht oder wählen Sie ein "
            "Thema mit /themen."
        ),
        "pairing_approved": "Freigegeben: {who} (<code>{chat_id}</code>). Rückgängig: /entziehen {chat_id}",
        "pairing_unknown_code": "Diesen Code kenne ich nicht, oder er ist abgelaufen. Offene Anfragen: /zugaenge",
        "pairing_usage": "So geben Sie jemanden frei: /freigeben CODE (den Code zeigt der Bot der Person).",
        "pairing_off": "Freischalt-Codes sind aus. Einschalten mit PAIRING=true in .env (braucht ADMIN_USER_IDS).",
        "access_approved": "<b>Per Code freigegeben ({count})</b>",
        "access_line": "• {who} – <code>{chat_id}</code>, seit {since}",
        "access_pending": "<b>Offene Anfragen ({count})</b>",
        "access_code": "• {who} – Code <code>{code}</code>",
        "access_env": "Dazu in .env eingetragen: {count} IDs (ALLOWED_USER_IDS, ALLOWED_CHAT_IDS) und die Admins.",
        "revoke_usage": "So entziehen Sie einen Zugang: /entziehen ID (die IDs zeigt /zugaenge).",
        "revoke_unknown": ("<code>{chat_id}</code> ist nicht per Code freigegeben. Einträge in .env ändern Sie dort."),
        "revoked": "Zugang entzogen: {who} (<code>{chat_id}</code>).",
        "whoami": (
            "Ihre Telegram-ID: <code>{user_id}</code>\nDieser Chat: <code>{chat_id}</code>\n\n"
            "Für den Betrieb: Personen gehören in ALLOWED_USER_IDS (oder ADMIN_USER_IDS), Gruppen in "
            "ALLOWED_CHAT_IDS."
        ),
        "rate_limited": "Das waren viele Fragen auf einmal. Bitte warten Sie {seconds} Sekunden.",
        "late": "Entschuldigung für die Verspätung: Ihre Frage von vor {minutes} Minuten ist liegen geblieben.",
        "non_text": (
            "Ich kann nur Textfragen beantworten – Bilder, Sprachnachrichten, Sticker oder "
            "Dateien verstehe ich nicht. Bitte schreiben Sie Ihre Frage als Nachricht."
        ),
        "error": "Entschuldigung, da ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal.",
        "feedback_thanks": "Danke für Ihre Bewertung!",
        "button_sources": "Quellen",
        "expired": "Diese Schaltfläche ist nicht mehr aktuell.",
        "inline_hint": "Frage eingeben, z. B. „Wie lange dauert ein Match?“",
    },
    "en": {
        "welcome": (
            "Welcome to <b>TikTok-Berater</b>!\n\n"
            "I answer questions about TikTok for businesses: how the For You algorithm works, "
            "what LIVE shopping brings, how recruiting on TikTok succeeds, what data protection "
            "requires and where TikTok comes from – briefly and with sources.\n\n"
            "Just type your question or pick a topic:"
        ),
        "help": (
            "<b>How to use TikTok-Berater</b>\n"
            "Send your question as a message, in English or German. I understand follow-ups such "
            'as "And how long does it take?" in context.\n\n'
            "/topics – topics and example questions\n"
            "/sources – sources of the last answer\n"
            "/new – start a new conversation\n"
            "/privacy – what I store\n"
            "/forget – delete everything about you\n"
            "/whoami – your Telegram id and this chat's (for access)\n\n"
            "In groups I answer when you mention me or reply to my message."
        ),
        "choose_topic": "Pick a topic:",
        "topic_questions": "Example questions on <b>{topic}</b>:",
        "no_sources": "There is no answer with sources in this chat yet.",
        "sources_of": "Sources of the answer:",
        "new_conversation": "All right, a new conversation. What would you like to know?",
        "privacy": (
            "<b>What I store</b>\n"
            "• This chat's conversation (at most {turns} questions) in memory only, so that I "
            "understand follow-ups; it is gone after {minutes} minutes of silence or with /new.\n"
            "• For each answer: time, language, topic, whether I could answer, your 👍/👎 and the "
            "sources, with a salted hash instead of your Telegram id. Staff see statistics from it.\n"
            "• The wording of a question only when I could not answer it or you rated the answer "
            "👎, so staff can improve the knowledge base.\n"
            "{pairing_note}"
            "Everything is deleted automatically after {retention} days (checked daily). Your "
            "questions are not sent to third parties{llm_note}.\n"
            "With /forget you delete everything stored about you at once."
        ),
        "privacy_llm": ", except the configured AI model that words the answers",
        "privacy_pairing": (
            "• If you were enabled with a code: your Telegram name and id, as long as the approval "
            "holds; when staff revoke it, both are deleted.\n"
        ),
        "staff_only": "This command is for staff only.",
        "private_only": (
            "I answer staff commands only in a private chat with me: reports and other users' "
            "questions do not belong in a group."
        ),
        "stats_title": "<b>Statistics of the last {days} days</b>",
        "stats_totals": "Questions: {total} – answered {answered} ({share}), declined {declined}",
        "stats_feedback": "Ratings: 👍 {up} · 👎 {down}",
        "stats_topics": "<b>Answered by topic</b>",
        "stats_days": "<b>Per day</b> (answered / declined)",
        "stats_empty": "No questions were asked in the last {days} days.",
        "stats_chart": "Questions per day, last {days} days",
        "chart_answered": "answered",
        "chart_declined": "declined",
        "gaps_title": "<b>Gaps of the last {days} days</b> (declined or rated 👎, similar ones grouped):",
        "gaps_line": "{count}× {question}",
        "gaps_variants": "   similar: {others}",
        "gaps_none": "No declined or badly rated questions in the last {days} days.",
        "gaps_marks": "(declined {declined}, 👎 {down})",
        "reload_started": "Re-reading the knowledge base. Questions keep being answered meanwhile …",
        "reload_done": "Knowledge base reloaded: {summary}",
        "reload_skipped": "Skipped: {file} – {reason}",
        "reload_failed": "Reloading failed: {reason}\nThe previous knowledge base stays in use.",
        "reload_busy": "The knowledge base is already being reloaded.",
        "stale_none": "No guide section is past its review date.",
        "stale_title": "<b>{count} sections past their review date</b> (their answers say they may be outdated):",
        "stale_line": "• {title} › {section} (review by {review_by})",
        "forget_confirm": "Shall I delete everything I have stored about you?",
        "forget_yes": "Yes, delete everything",
        "forget_no": "Cancel",
        "forgotten": "Done: your conversation, sources and ratings are deleted.",
        "forget_cancelled": "Cancelled, nothing was deleted.",
        "not_allowed": (
            "This bot is an internal tool and not enabled for you. Please contact your agency contact "
            "person and give them your Telegram id: <code>{user_id}</code>"
        ),
        "not_allowed_short": "This bot is not enabled for you.",
        "pairing_code": (
            "This bot is an internal tool and not enabled for you yet.\n"
            "Your access code: <code>{code}</code>\n"
            "Give it to your agency contact person; as soon as they confirm it, I will let you know here. "
            "The code is valid for 24 hours."
        ),
        "pairing_code_group": (
            "This group is not enabled for the bot yet. Access code: <code>{code}</code> – an admin "
            "confirms it with /approve {code}."
        ),
        "pairing_request": "Access request from {who}: code <code>{code}</code>\nApprove: /approve {code}",
        "pairing_welcome": "You are enabled. Just ask your question as a message or pick a topic with /topics.",
        "pairing_approved": "Approved: {who} (<code>{chat_id}</code>). To undo: /revoke {chat_id}",
        "pairing_unknown_code": "I do not know this code, or it has expired. Open requests: /access",
        "pairing_usage": "To approve someone: /approve CODE (the bot shows the person their code).",
        "pairing_off": "Access codes are off. Turn them on with PAIRING=true in .env (needs ADMIN_USER_IDS).",
        "access_approved": "<b>Approved by code ({count})</b>",
        "access_line": "• {who} – <code>{chat_id}</code>, since {since}",
        "access_pending": "<b>Open requests ({count})</b>",
        "access_code": "• {who} – code <code>{code}</code>",
        "access_env": "Also listed in .env: {count} ids (ALLOWED_USER_IDS, ALLOWED_CHAT_IDS) and the admins.",
        "revoke_usage": "To revoke access: /revoke ID (/access shows the ids).",
        "revoke_unknown": "<code>{chat_id}</code> was not approved by code. Entries in .env are changed there.",
        "revoked": "Access revoked: {who} (<code>{chat_id}</code>).",
        "whoami": (
            "Your Telegram id: <code>{user_id}</code>\nThis chat: <code>{chat_id}</code>\n\n"
            "For the operator: people go into ALLOWED_USER_IDS (or ADMIN_USER_IDS), groups into "
            "ALLOWED_CHAT_IDS."
        ),
        "rate_limited": "That was a lot of questions at once. Please wait {seconds} seconds.",
        "late": "Sorry for the delay: your question from {minutes} minutes ago was held up.",
        "non_text": (
            "I can only answer text questions – pictures, voice messages, stickers or files are "
            "beyond me. Please type your question as a message."
        ),
        "error": "Sorry, something went wrong. Please try again in a moment.",
        "feedback_thanks": "Thanks for your rating!",
        "button_sources": "Sources",
        "expired": "This button is no longer current.",
        "inline_hint": 'Type a question, e.g. "How long does a match last?"',
    },
}


COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (
        ("start", "Begrüßung und Themen"),
        ("help", "So funktioniert der Bot"),
        ("themen", "Themen und Beispielfragen"),
        ("quellen", "Quellen der letzten Antwort"),
        ("neu", "Neues Gespräch beginnen"),
        ("datenschutz", "Was der Bot speichert"),
        ("vergessen", "Alles über mich löschen"),
    ),
    "en": (
        ("start", "Welcome and topics"),
        ("help", "How the bot works"),
        ("topics", "Topics and example questions"),
        ("sources", "Sources of the last answer"),
        ("new", "Start a new conversation"),
        ("privacy", "What the bot stores"),
        ("forget", "Delete everything about me"),
    ),
}


TEXTS = {lang: {**ENGINE_TEXTS[lang], **UI_TEXTS[lang]} for lang in ("de", "en")}


def text(lang: str, key: str, **values: object) -> str:
    """A text of the Telegram front end or the engine in `lang`."""
    return pick(TEXTS, lang, key, **values)
