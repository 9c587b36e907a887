// What the demo hub knows: its users, workflows, rules, vendors, customers and the mail they send.

export interface DemoUser {
  username: string;
  fullName: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'mette.jensen', fullName: 'Mette Jensen' },
  { username: 'lars.nielsen', fullName: 'Lars Nielsen' },
  { username: 'anne.hansen', fullName: 'Anne Hansen' },
  { username: 'soren.pedersen', fullName: 'Søren Pedersen' },
  { username: 'camilla.andersen', fullName: 'Camilla Andersen' },
  { username: 'jens.christensen', fullName: 'Jens Christensen' },
  { username: 'louise.larsen', fullName: 'Louise Larsen' },
  { username: 'henrik.sorensen', fullName: 'Henrik Sørensen' },
  { username: 'maria.rasmussen', fullName: 'Maria Rasmussen' },
  { username: 'thomas.jorgensen', fullName: 'Thomas Jørgensen' },
  { username: 'pernille.madsen', fullName: 'Pernille Madsen' },
  { username: 'kasper.kristensen', fullName: 'Kasper Kristensen' },
];

export const USER_EMAIL_DOMAIN = 'bmc-hub.dk';

/**
 * How long a step of each built-in action takes in the demo's simulated clock (median, in
 * milliseconds; a log-normal spread and a tail of slow runs around it). The workflows themselves
 * are the database's: the three that migration 0015 creates, run by the engine's code.
 */
export const DEMO_STEP_MEDIAN_MS: Readonly<Record<string, number>> = {
  extract_invoice: 650,
  link_entity: 140,
  set_status: 45,
  create_ticket: 320,
  notify: 420,
  flag_bankruptcy: 35,
};
/** An action the demo has no timing for (a hub's own). */
export const DEMO_OTHER_STEP_MEDIAN_MS = 250;

/** The demo's notification receiver (finance's mailbox): a share of mails refused once, a share refused until the engine gives up. */
export const DEMO_MAIL_REFUSED_ONCE = 0.06;
export const DEMO_MAIL_REFUSED_ALWAYS = 0.07;

export interface DemoRule {
  id: number;
  name: string;
  action: string;
}

export const RULES_BY_CLASSIFICATION: Readonly<Record<string, readonly DemoRule[]>> = {
  invoice: [
    { id: 1, name: 'Vendor invoices to accounting', action: 'route_to_accounting' },
    { id: 2, name: 'PDF attachment present', action: 'queue_extraction' },
  ],
  time_confirmation: [{ id: 3, name: 'Time sheets from customers', action: 'route_to_projects' }],
  bankruptcy: [{ id: 4, name: 'Bankruptcy keywords (konkurs, kurator)', action: 'flag_urgent' }],
  spam: [{ id: 5, name: 'Spam filter', action: 'move_to_spam' }],
  general: [
    { id: 6, name: 'Known customer domain', action: 'route_to_support' },
    { id: 7, name: 'Out-of-office reply', action: 'archive' },
  ],
  newsletter: [{ id: 8, name: 'Newsletter senders', action: 'archive' }],
};

export const VENDORS: readonly string[] = [
  'Acme Corp', 'Nordisk Kontorforsyning A/S', 'Jysk Elektro ApS', 'Fyns Vognmandsforretning', 'Dansk Papir & Emballage A/S',
  'Københavns Rengøring ApS', 'Aarhus IT-Service', 'Vestjysk Byggemarked', 'Sjællands Kaffe & Vand', 'Hansen & Søn Tømrer',
  'Møller Transport A/S', 'Nordlys Energi', 'Bornholms Trykkeri', 'Skagen Software ApS', 'Odense Maskinværksted',
  'Limfjord Logistik', 'Øresund Telecom A/S', 'Himmerland Revision', 'Grenaa Værktøj ApS', 'Svendborg Marine Supply',
  'Roskilde Kontormøbler', 'Esbjerg Havneservice', 'Vejle Vinduespolering', 'Randers Reklame ApS', 'Kolding Kantine Service',
];

export const CUSTOMERS: readonly string[] = [
  'Brdr. Madsen A/S', 'Holm Entreprise ApS', 'Nørrebro Bageri', 'Frederiksberg Tandklinik', 'Lyngby Advokatfirma',
  'Silkeborg Papirfabrik', 'Viborg Auto ApS', 'Herning Tekstil A/S', 'Horsens Havnekontor', 'Næstved Boligselskab',
  'Helsingør Skibsmægleri', 'Hillerød Apotek', 'Thisted Fiskeeksport', 'Ribe Kunsthandel', 'Sønderborg Elektronik',
  'Aalborg Akvavit ApS', 'Holstebro Gartneri', 'Vordingborg Vognmænd', 'Kalundborg Kemi A/S', 'Slagelse Sportscenter',
  'Hjørring Husdyrbrug', 'Frederikshavn Færgeservice', 'Haderslev Hotel', 'Middelfart Marina', 'Nyborg Net ApS',
];

/** Companies whose estates send bankruptcy notices. */
export const BANKRUPT_COMPANIES: readonly string[] = [
  'Østjysk Byggeentreprise ApS', 'Fjordens Fragt A/S', 'Midtsjællands Møbler ApS', 'Nordvest Catering I/S', 'Lolland Lakering ApS',
];

export const FIRST_NAMES: readonly string[] = [
  'Anders', 'Birgitte', 'Christian', 'Dorthe', 'Erik', 'Frederik', 'Gitte', 'Hanne', 'Ida', 'Jakob', 'Karen', 'Kirsten',
  'Lone', 'Mads', 'Niels', 'Ole', 'Peter', 'Rikke', 'Sofie', 'Torben', 'Ulla', 'Vibeke', 'Bo', 'Emil',
];

export const LAST_NAMES: readonly string[] = [
  'Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen',
  'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Poulsen', 'Johansen', 'Møller', 'Mortensen', 'Knudsen',
];

export const SPAM_SUBJECTS: readonly string[] = [
  'You have won a free iPhone!', 'Urgent: verify your account now', 'Cheap watches, 90% off', 'Investment opportunity of a lifetime',
  'Your parcel is waiting - pay customs fee', 'Re: Invoice overdue (click here)', 'Congratulations, you are selected',
];

export const GENERAL_SUBJECTS: readonly string[] = [
  'Spørgsmål vedr. ordre', 'Re: Møde på torsdag', 'Tilbud på serviceaftale', 'Ændring af leveringsadresse', 'Fw: Kontrakt til underskrift',
  'Reklamation på levering', 'Adgang til portalen virker ikke', 'Opdaterede kontaktoplysninger', 'Ferielukning i uge 29',
  'Re: Status på sag', 'Forespørgsel om priser', 'Kvittering for betaling',
];

export const NEWSLETTER_SUBJECTS: readonly string[] = [
  'Nyhedsbrev: Månedens tilbud', 'Branchenyt fra Dansk Erhverv', 'Webinar: Digital bogføring', 'Sæsonens nyheder',
];

export const SPAM_SENDERS: readonly string[] = ['promo@cheap-deals.biz', 'noreply@secure-verify.info', 'winner@lucky-draw.top'];
export const NEWSLETTER_SENDERS: readonly string[] = ['nyhedsbrev@danskerhverv.dk', 'news@e-conomic.dk', 'info@brancheforeningen.dk'];
