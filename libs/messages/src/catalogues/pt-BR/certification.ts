import type { certification as english } from '../en/certification';

export const certification: Record<keyof typeof english, string> = {
  'certification.disk-url.missing':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} está ausente; informe a URL do blob do VHD, com um token SAS que conceda acesso de leitura',
  'certification.disk-url.invalid':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não é uma URL válida; informe a URL do blob do VHD, com um token SAS que conceda acesso de leitura',
  'certification.disk-url.passed': 'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} é uma URL {scheme} válida',
  'certification.disk-url.scheme':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} usa {scheme}; informe uma URL https:// do blob do VHD',
  'certification.sas-token.absent':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não tem token SAS; gere um token SAS para o blob (com permissão de leitura) e acrescente-o à URL',
  'certification.sas-token.incomplete':
    'Falta {missing} no token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}}; gere um token SAS completo para o blob e use a URL SAS inteira',
  'certification.sas-token.passed': 'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} traz um token SAS',
  'certification.sas-read-permission.passed':
    'O token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} concede acesso de leitura (sp={permissions})',
  'certification.sas-read-permission.failed':
    'O token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não concede acesso de leitura (sp={permissions}); gere um com a permissão Leitura',
  'certification.sas-expiry.not-a-date':
    'A expiração do token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} (se={expiry}) não é uma data; gere um válido por pelo menos {days} dias',
  'certification.sas-expiry.expired':
    'O token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} expirou em {date}; gere um válido por pelo menos {days} dias',
  'certification.sas-expiry.too-soon':
    'O token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} expira em {date}; gere um válido por pelo menos {days} dias',
  'certification.sas-expiry.passed':
    'O token SAS {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} é válido até {date}, pelo menos {days} dias',
  'certification.fetch.timeout':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não respondeu em {timeoutMs} ms; verifique se a conta de armazenamento está acessível pela internet e tente novamente',
  'certification.fetch.address-not-allowed':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} aponta para um endereço privado, de loopback ou reservado ({detail}); informe a URL pública do blob do VHD',
  'certification.fetch.dns-failed':
    'Não foi possível resolver o host da URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}}; verifique o nome da conta de armazenamento na URL',
  'certification.fetch.too-many-redirects':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} redireciona vezes demais; informe a URL direta do blob do VHD',
  'certification.fetch.malformed-location':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} redireciona para um Location que não é uma URL válida ({detail}); informe a URL direta do blob do VHD',
  'certification.fetch.truncated-body':
    'O servidor da URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} fechou a conexão antes de concluir a resposta ({detail}); verifique se o blob é servido por completo e tente novamente',
  'certification.fetch.secret-unavailable':
    'A assinatura SAS da URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não está mais armazenada (foi substituída ou removida depois do envio desta tentativa); informe novamente a URL SAS completa',
  'certification.fetch.not-https':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} (ou um redirecionamento dela) não é uma URL https que possamos ler ({detail}); informe a URL https direta do blob do VHD',
  'certification.fetch.failed':
    'Não foi possível ler a URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} ({detail}); verifique se o blob está acessível e tente novamente',
  'certification.status.not-found':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} respondeu 404 Not Found; verifique se o blob existe nessa URL e se o token SAS é desse blob',
  'certification.status.denied':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} respondeu {status} (acesso negado); gere um novo token SAS com permissão de leitura para esse blob',
  'certification.status.other':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} respondeu HTTP {status}; verifique se o blob pode ser lido com a sua URL SAS',
  'certification.vhd-reachable.no-length':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não informa o tamanho do blob (sem Content-Length válido); sirva o VHD pelo Armazenamento de Blobs do Azure',
  'certification.vhd-reachable.too-small':
    'O blob {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} tem apenas {length} bytes, pequeno demais para ser um VHD; envie o VHD completo',
  'certification.vhd-reachable.passed': 'O blob {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} está acessível ({size})',
  'certification.vhd-range-read.ignored-range':
    'O servidor da URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} ignorou o cabeçalho HTTP Range e enviou o blob inteiro; sirva o VHD por um servidor que aceite requisições de intervalo (o Armazenamento de Blobs do Azure aceita)',
  'certification.vhd-range-read.refused':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} recusou a requisição de intervalo dos seus últimos 512 bytes (416); envie o VHD completo',
  'certification.vhd-range-read.wrong-range':
    'A URL {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} respondeu à requisição dos bytes {first}-{last} com {received} bytes (Content-Range: {contentRange, select, none {nenhum} other {{contentRange}}}); sirva o VHD por um servidor que aceite requisições de intervalo',
  'certification.vhd-range-read.passed':
    'O footer {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} foi lido com uma requisição de intervalo (bytes {first}-{last})',
  'certification.vhd-cookie.passed': 'O footer {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} tem o cookie "{cookie}"',
  'certification.vhd-cookie.failed':
    'Os últimos 512 bytes {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} não são um footer VHD (cookie "{found}" em vez de "{cookie}"); envie o disco como arquivo VHD: converta-o em um VHD de tamanho fixo (Convert-VHD -VHDType Fixed, ou qemu-img convert -O vpc -o subformat=fixed,force_size) e envie-o novamente',
  'certification.vhd-checksum.passed':
    'O checksum do footer {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} é válido ({stored})',
  'certification.vhd-checksum.failed':
    'O checksum do footer {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} é {stored}, mas o footer soma {computed}: o footer está corrompido; recrie o VHD e envie-o novamente',
  'certification.vhd-disk-type.passed': '{disk, select, os {O disco do sistema operacional} other {O disco de dados {lun}}} é um VHD de tamanho fixo',
  'certification.vhd-disk-type.failed':
    '{disk, select, os {O disco do sistema operacional} other {O disco de dados {lun}}} é um VHD {type, select, dynamic {dinâmico} differencing {diferencial} none {sem tipo} reserved {reservado} unknown {desconhecido} other {{type}}} (tipo de disco {diskType}), não um fixo; converta-o em um VHD de tamanho fixo (Convert-VHD -VHDType Fixed, ou qemu-img convert -O vpc -o subformat=fixed,force_size) e envie-o novamente',
  'certification.vhd-size-alignment.passed':
    'O tamanho virtual {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} ({size}) é um número inteiro de MiB',
  'certification.vhd-size-alignment.failed':
    'O tamanho virtual {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} é {bytes} bytes, não um número inteiro de MiB; redimensione-o para um múltiplo de 1 MiB (Resize-VHD, ou qemu-img resize) e converta-o novamente em um VHD fixo',
  'certification.vhd-size-limits.too-small':
    '{disk, select, os {O disco do sistema operacional} other {O disco de dados {lun}}} tem {size}; {role, select, os {um disco do sistema operacional} other {um disco de dados}} deve ter pelo menos {min} GiB: aumente o disco (e o seu sistema de arquivos) para pelo menos {min} GiB',
  'certification.vhd-size-limits.too-large':
    '{disk, select, os {O disco do sistema operacional} other {O disco de dados {lun}}} tem {size}; {role, select, os {um disco do sistema operacional} other {um disco de dados}} pode ter no máximo {max} GiB: reduza-o para {max} GiB ou menos',
  'certification.vhd-size-limits.passed':
    '{disk, select, os {O disco do sistema operacional} other {O disco de dados {lun}}} tem {size}, {min, select, 0 {no máximo {max} GiB} other {entre {min} e {max} GiB}}',
  'certification.vhd-file-length.passed':
    'O comprimento do blob {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} corresponde ao tamanho virtual mais o footer ({length} bytes)',
  'certification.vhd-file-length.failed':
    'O footer {disk, select, os {do disco do sistema operacional} other {do disco de dados {lun}}} indica {size}, mas o blob tem {length} bytes (um VHD fixo é o seu tamanho virtual + 512 bytes, {expected}); envie novamente o VHD completo como blob de páginas',
  'certification.image-version-present.plan':
    'O plano {planId} não tem versão de imagem de VM; adicione uma versão de imagem com a URL do VHD do disco do sistema operacional',
  'certification.image-version-present.none':
    'A oferta não tem plano com imagem de VM; adicione um plano com uma versão de imagem e a URL do VHD do disco do sistema operacional',
  'certification.run-failed': 'Não foi possível concluir a certificação por causa de um erro interno ({error})',
};
