<!DOCTYPE html>
<html lang="fr-FR">
<head>
<meta charset="UTF-8">
<title>Forum sur les clusters : sept clusters valid&amp;eacute;s par le minist&amp;egrave;re de l&amp;#039;Industrie | El Watan</title>
<link rel="canonical" href="https://www.elwatan.com/edition/economie/forum-sur-les-clusters-sept-clusters-valides-par-le-ministere-21-02-2017-340112_111.php">
<meta property="og:title" content="Forum sur les clusters : sept clusters valid&amp;eacute;s par le minist&amp;egrave;re de l&amp;#039;Industrie">
<meta property="og:locale" content="fr_FR">
</head>
<body>
<header class="site-header">
  <div class="date-jour">Jeudi 22 mars 2018</div>
  <a class="logo" href="/elwatan.com/">El Watan</a>
  <nav><a href="/elwatan.com/edition/actualite/">Actualité</a> <a href="/elwatan.com/edition/economie/">Économie</a> <a href="/elwatan.com/edition/culture/">Culture</a></nav>
</header>
<main>
<article class="article">
  <div class="rubrique"><a href="/elwatan.com/edition/economie/">Économie</a></div>
  <h1 class="titre">Forum sur les clusters : sept clusters valid&amp;eacute;s par le minist&amp;egrave;re de l&amp;#039;Industrie</h1>
  <div class="auteur-date"><span class="auteur">Par R. E.</span> <span class="date">le 21/02/17 à 10h00</span></div>
  <div class="partage"><a href="#">Partager</a> <a href="#">Tweeter</a> <a href="#">Imprimer</a></div>
  <div class="chapo">La secr&amp;eacute;taire g&amp;eacute;n&amp;eacute;rale du minist&amp;egrave;re de l&amp;#039;Industrie et des Mines, Rabia Kharfi, a annonc&amp;eacute; hier à Alger que sept clusters, notamment dans la mécanique et le numérique, ont reçu l&amp;#039;accord du ministère.</div>
  <div class="texte">
    <p>Intervenant en marge du Forum sur les clusters, l&amp;#039;innovation et l&amp;#039;avantage comp&amp;eacute;titif des nations, organis&amp;eacute; à l&amp;#039;hôtel El Aurassi, Mme Kharfi a qualifi&amp;eacute; les clusters de «nouvelle forme d&amp;#039;investissement» associant entreprises, universités, chercheurs et administration. Il s&amp;#039;agit, selon elle, de l&amp;#039;un des piliers de «l&amp;#039;économie de demain» et d&amp;#039;un moyen de diversifier une économie nationale encore dépendante des hydrocarbures.</p>
    <div class="pub">Publicité</div>
    <p>La liste des clusters agréés sera élargie à l&amp;#039;avenir, a-t-elle ajouté, en précisant qu&amp;#039;il revient aux entreprises de prendre l&amp;#039;initiative, avec l&amp;#039;université, la recherche scientifique et les walis. La secr&amp;eacute;taire g&amp;eacute;n&amp;eacute;rale a qualifi&amp;eacute; l&amp;#039;initiative de «jeune», en assurant qu&amp;#039;elle bénéficie du soutien entier de son département.</p>
    <p>Pour Ahmed Tibaoui, directeur général du centre World Trade, organisateur de cette première édition, le forum a réuni des responsables du ministère, des chefs d&amp;#039;entreprise et des experts venus d&amp;#039;Europe et du Maghreb pour débattre de l&amp;#039;amélioration du climat des affaires et de l&amp;#039;accompagnement des PME, dans l&amp;#039;agroalimentaire, la mécanique et les technologies de l&amp;#039;information.</p>
    <p>La rencontre s&amp;#039;est conclue par la signature d&amp;#039;une convention de coopération et d&amp;#039;échange entre l&amp;#039;Ecole nationale polytechnique (ENP) et le cluster mécanique de précision.</p>
  </div>
</article>
<aside class="a-lire"><h3>À lire aussi</h3><a href="/elwatan.com/edition/economie/le-cluster-boissons-algerie-mise-sur-la-formation-19-03-2018-365210_111.php">Le cluster Boissons Algérie mise sur la formation</a></aside>
</main>
<footer><p>© El Watan 2018 - Tous droits réservés</p></footer>
</body>
</html>
