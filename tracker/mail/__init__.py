"""Report mails (第八至十二条): what a mail sent to the service mailboxes says.

`parse.parse_message` is the offline core: the bytes of one message and the
policy in, a `ParsedMail` out. Fetching mail and answering it build on it.
"""
