"""Third parties (SPEC section 11, issue 17): the newsroom's own subscribers who received a
photo must be told of the agency's correction or kill, once, and their acknowledgement kept.

deliveries import -> link deliveries to notices in force -> tell each recipient (e-mail with an
`Acknowledge:` link, signed ninjs webhook) -> remind, escalate -> acknowledge (`wirefix ack`,
`wirefix serve`). Every notification, reminder and acknowledgement is an audit entry.
"""
