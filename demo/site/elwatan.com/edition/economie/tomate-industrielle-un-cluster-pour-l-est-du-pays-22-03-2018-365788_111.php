<!DOCTYPE html>
<html lang="fr-FR">
<head>
<meta charset="UTF-8">
<title>Tomate industrielle : un cluster pour l&amp;#039;Est du pays | El Watan</title>
<link rel="canonical" href="https://www.elwatan.com/edition/economie/tomate-industrielle-un-cluster-pour-l-est-du-pays-22-03-2018-365788_111.php">
</head>
<body>
<header class="site-header">
  <div class="date-jour">Jeudi 22 mars 2018</div>
  <a class="logo" href="/elwatan.com/">El Watan</a>
</header>
<main>
<article class="article">
  <div class="rubrique"><a href="/elwatan.com/edition/economie/">Économie</a></div>
  <h1 class="titre">Tomate industrielle : un cluster pour l&amp;#039;Est du pays</h1>
  <div class="auteur-date"><span class="auteur">Par S. B.</span></div>
  <div class="texte">
    <p>Agriculteurs, conserveurs et fournisseurs d&amp;#039;intrants des wilayas d&amp;#039;El Tarf, d&amp;#039;Annaba et de Guelma se sont r&amp;eacute;unis pour structurer la filière de la tomate industrielle sous la forme d&amp;#039;un cluster.</p>
    <p>Les participants ont &amp;eacute;voqu&amp;eacute; les retards de paiement des conserveries, le manque de plants de qualité et la faible mécanisation de la récolte, qui pèsent sur les rendements d&amp;#039;une culture pourtant ancienne dans la région.</p>
    <p>Le futur cluster devra, selon ses initiateurs, coordonner le calendrier des plantations avec les capacités de transformation et négocier des contrats de production plus stables entre les agriculteurs et les usines.</p>
  </div>
</article>
</main>
<footer><p>© El Watan 2018 - Tous droits réservés</p></footer>
</body>
</html>
