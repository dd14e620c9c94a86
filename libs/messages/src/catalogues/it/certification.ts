import type { certification as english } from '../en/certification';

export const certification: Record<keyof typeof english, string> = {
  'certification.disk-url.missing':
    "Manca l'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}}; indica l'URL del BLOB del VHD, con un token SAS che conceda l'accesso in lettura",
  'certification.disk-url.invalid':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non è un URL valido; indica l'URL del BLOB del VHD, con un token SAS che conceda l'accesso in lettura",
  'certification.disk-url.passed': "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è un URL {scheme} valido",
  'certification.disk-url.scheme':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} usa {scheme}; indica un URL https:// del BLOB del VHD",
  'certification.sas-token.absent':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non ha un token SAS; genera un token SAS per il BLOB (con autorizzazione di lettura) e aggiungilo all'URL",
  'certification.sas-token.incomplete':
    "Al token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} manca {missing}; genera un token SAS completo per il BLOB e usa l'URL SAS intero",
  'certification.sas-token.passed': "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} contiene un token SAS",
  'certification.sas-read-permission.passed':
    "Il token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} concede l'accesso in lettura (sp={permissions})",
  'certification.sas-read-permission.failed':
    "Il token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non concede l'accesso in lettura (sp={permissions}); generane uno con l'autorizzazione Lettura",
  'certification.sas-expiry.not-a-date':
    'La scadenza del token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} (se={expiry}) non è una data; generane uno valido per almeno {days} giorni',
  'certification.sas-expiry.expired':
    'Il token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è scaduto il {date}; generane uno valido per almeno {days} giorni',
  'certification.sas-expiry.too-soon':
    'Il token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} scade il {date}; generane uno valido per almeno {days} giorni',
  'certification.sas-expiry.passed':
    'Il token SAS {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è valido fino al {date}, almeno {days} giorni',
  'certification.fetch.timeout':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non ha risposto entro {timeoutMs} ms; verifica che l'account di archiviazione sia raggiungibile da internet e riprova",
  'certification.fetch.address-not-allowed':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} punta a un indirizzo privato, di loopback o riservato ({detail}); indica l'URL pubblico del BLOB del VHD",
  'certification.fetch.dns-failed':
    "Non è stato possibile risolvere l'host dell'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}}; controlla il nome dell'account di archiviazione nell'URL",
  'certification.fetch.too-many-redirects':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} reindirizza troppe volte; indica l'URL diretto del BLOB del VHD",
  'certification.fetch.malformed-location':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} reindirizza a un Location che non è un URL valido ({detail}); indica l'URL diretto del BLOB del VHD",
  'certification.fetch.truncated-body':
    "Il server dell'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha chiuso la connessione prima di completare la risposta ({detail}); verifica che il BLOB sia servito per intero e riprova",
  'certification.fetch.secret-unavailable':
    "La firma SAS dell'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non è più memorizzata (è stata sostituita o rimossa dopo l'invio di questo tentativo); indica di nuovo l'URL SAS completo",
  'certification.fetch.not-https':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} (o un suo reindirizzamento) non è un URL https che possiamo leggere ({detail}); indica l'URL https diretto del BLOB del VHD",
  'certification.fetch.failed':
    "Non è stato possibile leggere l'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ({detail}); verifica che il BLOB sia raggiungibile e riprova",
  'certification.status.not-found':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha risposto 404 Not Found; verifica che il BLOB esista a questo URL e che il token SAS sia per questo BLOB",
  'certification.status.denied':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha risposto {status} (accesso negato); genera un nuovo token SAS con autorizzazione di lettura per questo BLOB",
  'certification.status.other':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha risposto HTTP {status}; verifica che il BLOB sia leggibile con il suo URL SAS",
  'certification.vhd-reachable.no-length':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non indica la dimensione del BLOB (nessun Content-Length valido); servi il VHD da Archiviazione BLOB di Azure",
  'certification.vhd-reachable.too-small':
    'Il BLOB {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è di soli {length} byte, troppo piccolo per essere un VHD; carica il VHD completo',
  'certification.vhd-reachable.passed': 'Il BLOB {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è raggiungibile ({size})',
  'certification.vhd-range-read.ignored-range':
    "Il server dell'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha ignorato l'intestazione HTTP Range e ha inviato l'intero BLOB; servi il VHD da un server che supporti le richieste di intervallo (Archiviazione BLOB di Azure lo fa)",
  'certification.vhd-range-read.refused':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha rifiutato la richiesta di intervallo degli ultimi 512 byte (416); carica il VHD completo",
  'certification.vhd-range-read.wrong-range':
    "L'URL {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha risposto alla richiesta dei byte {first}-{last} con {received} byte (Content-Range: {contentRange, select, none {nessuno} other {{contentRange}}}); servi il VHD da un server che supporti le richieste di intervallo",
  'certification.vhd-range-read.passed':
    'Il footer {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è stato letto con una richiesta di intervallo (byte {first}-{last})',
  'certification.vhd-cookie.passed': 'Il footer {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ha il cookie "{cookie}"',
  'certification.vhd-cookie.failed':
    'Gli ultimi 512 byte {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} non sono un footer VHD (cookie "{found}" invece di "{cookie}"); carica il disco come file VHD: convertilo in un VHD a dimensione fissa (Convert-VHD -VHDType Fixed, oppure qemu-img convert -O vpc -o subformat=fixed,force_size) e caricalo di nuovo',
  'certification.vhd-checksum.passed':
    'Il checksum del footer {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è valido ({stored})',
  'certification.vhd-checksum.failed':
    'Il checksum del footer {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è {stored} ma il footer somma a {computed}: il footer è danneggiato; ricrea il VHD e caricalo di nuovo',
  'certification.vhd-disk-type.passed': '{disk, select, os {Il disco del sistema operativo} other {Il disco dati {lun}}} è un VHD a dimensione fissa',
  'certification.vhd-disk-type.failed':
    '{disk, select, os {Il disco del sistema operativo} other {Il disco dati {lun}}} è un VHD {type, select, dynamic {dinamico} differencing {differenziale} none {senza tipo} reserved {riservato} unknown {sconosciuto} other {{type}}} (tipo di disco {diskType}), non fisso; convertilo in un VHD a dimensione fissa (Convert-VHD -VHDType Fixed, oppure qemu-img convert -O vpc -o subformat=fixed,force_size) e caricalo di nuovo',
  'certification.vhd-size-alignment.passed':
    'La dimensione virtuale {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} ({size}) è un numero intero di MiB',
  'certification.vhd-size-alignment.failed':
    'La dimensione virtuale {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} è di {bytes} byte, non un numero intero di MiB; ridimensionalo a un multiplo di 1 MiB (Resize-VHD, oppure qemu-img resize) e convertilo di nuovo in un VHD fisso',
  'certification.vhd-size-limits.too-small':
    '{disk, select, os {Il disco del sistema operativo} other {Il disco dati {lun}}} è di {size}; {role, select, os {un disco del sistema operativo} other {un disco dati}} deve essere di almeno {min} GiB: ingrandisci il disco (e il suo file system) ad almeno {min} GiB',
  'certification.vhd-size-limits.too-large':
    '{disk, select, os {Il disco del sistema operativo} other {Il disco dati {lun}}} è di {size}; {role, select, os {un disco del sistema operativo} other {un disco dati}} può essere al massimo di {max} GiB: riducilo a {max} GiB o meno',
  'certification.vhd-size-limits.passed':
    '{disk, select, os {Il disco del sistema operativo} other {Il disco dati {lun}}} è di {size}, {min, select, 0 {al massimo {max} GiB} other {tra {min} e {max} GiB}}',
  'certification.vhd-file-length.passed':
    'La lunghezza del BLOB {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} corrisponde alla dimensione virtuale più il footer ({length} byte)',
  'certification.vhd-file-length.failed':
    'Il footer {disk, select, os {del disco del sistema operativo} other {del disco dati {lun}}} indica {size} ma il BLOB è di {length} byte (un VHD fisso è la sua dimensione virtuale + 512 byte, {expected}); carica di nuovo il VHD completo come BLOB di pagine',
  'certification.image-version-present.plan':
    "Il piano {planId} non ha versioni di immagine di VM; aggiungi una versione di immagine con l'URL del VHD del disco del sistema operativo",
  'certification.image-version-present.none':
    "L'offerta non ha piani con un'immagine di VM; aggiungi un piano con una versione di immagine e l'URL del VHD del disco del sistema operativo",
  'certification.run-failed': 'Non è stato possibile completare la certificazione a causa di un errore interno ({error})',
};
