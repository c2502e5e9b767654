-- Bank-card payouts (through Alipay's transfer to a bank card) need the card holder's name, which the bank
-- checks against the card. L3 like the card number: encrypted at rest; null for WeChat accounts and for cards
-- bound before this migration (those must be bound again before a payout).
ALTER TABLE wallet_payout_accounts ADD COLUMN holder_name_enc text;
