<!DOCTYPE html>
<html lang="fr-FR">
<head>
<meta charset="UTF-8">
<title>Le cluster Boissons Alg&amp;eacute;rie mise sur la formation | El Watan</title>
<link rel="canonical" href="https://www.elwatan.com/edition/economie/le-cluster-boissons-algerie-mise-sur-la-formation-19-03-2018-365210_111.php">
</head>
<body>
<header class="site-header">
  <div class="date-jour">Jeudi 22 mars 2018</div>
  <a class="logo" href="/elwatan.com/">El Watan</a>
</header>
<main>
<article class="article">
  <div class="rubrique"><a href="/elwatan.com/edition/economie/">Économie</a></div>
  <h1 class="titre">Le cluster Boissons Alg&amp;eacute;rie mise sur la formation</h1>
  <div class="auteur-date"><span class="auteur">Par N. A.</span> <span class="date">le 19/03/18 à 12h00</span></div>
  <div class="chapo">Les producteurs de boissons regroup&amp;eacute;s au sein du cluster veulent mutualiser la formation de leurs techniciens.</div>
  <div class="texte">
    <p>Créé le 24 février 2015, le Cluster Boissons Algérie rassemble des producteurs de jus, de sodas et d&amp;#039;eaux, des fournisseurs d&amp;#039;emballages et des laboratoires d&amp;#039;analyse. Ses membres estiment que la pénurie de techniciens qualifi&amp;eacute;s freine la mont&amp;eacute;e en gamme de la filière.</p>
    <p>Le cluster compte proposer à ses adhérents des sessions communes sur l&amp;#039;hygiène, la maintenance des lignes de production et le contrôle de la qualité, afin de partager les coûts entre petites et grandes entreprises.</p>
    <p>Ses responsables plaident aussi pour un rapprochement avec les universités et les centres de formation professionnelle, dans l&amp;#039;esprit de la politique des clusters encouragée par le ministère de l&amp;#039;Industrie depuis le forum de février 2017.</p>
  </div>
</article>
</main>
<footer><p>© El Watan 2018 - Tous droits réservés</p></footer>
</body>
</html>
