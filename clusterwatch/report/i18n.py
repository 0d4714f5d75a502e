"""Words of the report in French and Arabic (the observatory's two languages)."""

from __future__ import annotations

LANGUAGES = ("fr", "ar")
DIRECTION = {"fr": "ltr", "ar": "rtl"}
LANGUAGE_NAMES = {"fr": "Français", "ar": "العربية"}

TEXT = {
    "fr": {
        "title": "Observatoire des clusters industriels d'Algérie",
        "subtitle": "Couverture des clusters et dépendance des exportations aux hydrocarbures",
        "generated": "Généré le",
        "source_note": "Construit à partir du schéma marts (rôle clusterwatch_analyst).",
        "no_data": "Pas encore de données.",
        "nav_overview": "Vue d'ensemble",
        "switch_language": "العربية",
        "clusters": "Clusters",
        "activity": "Activité des clusters dans la presse",
        "activity_note": "Articles par mois qui nomment chaque cluster (les plus couverts).",
        "month": "Mois",
        "articles": "Articles",
        "cluster": "Cluster",
        "sector": "Secteur",
        "sectors": "Secteurs",
        "wilaya": "Wilaya",
        "wilayas": "Wilayas",
        "status": "Statut",
        "created_on": "Créé le",
        "members": "Membres",
        "sources": "Sources",
        "official_acts": "Actes officiels",
        "first_mentioned": "Première mention",
        "last_mentioned": "Dernière mention",
        "profile": "Profil",
        "latest_articles": "Derniers articles",
        "language": "Langue",
        "date": "Date",
        "source": "Source",
        "article_title": "Titre",
        "arabic": "Arabe",
        "french": "Français",
        "monthly_coverage": "Couverture mensuelle",
        "trade": "Exportations de l'Algérie",
        "hydrocarbons": "Part des hydrocarbures et concentration (HHI) par année",
        "hydrocarbons_note": "Part du chapitre SH 27 dans les exportations et indice de "
                             "Herfindahl-Hirschman sur les produits (0 à 1).",
        "year": "Année",
        "share": "Valeur (0 à 1)",
        "measure": "Mesure",
        "hydrocarbon_share": "Part des hydrocarbures",
        "hhi": "HHI",
        "hhi_normalised": "HHI normalisé",
        "total_exports": "Exportations totales (USD)",
        "rca": "Produits les plus compétitifs (avantage comparatif révélé)",
        "rca_note": "Produits de l'Algérie au plus fort indice de Balassa, dernière année; "
                    "compétitif quand RCA ≥ 1.",
        "product": "Produit (SH)",
        "rca_value": "RCA",
        "competitive": "Compétitif",
        "exports_usd": "Exportations (USD)",
        "lq": "Spécialisation wilaya × secteur (quotient de localisation)",
        "lq_note": "QL = (emploi du secteur dans la wilaya / emploi de la wilaya) / "
                   "(emploi national du secteur / emploi national).",
        "location_quotient": "Quotient de localisation",
        "employees": "Emplois",
        "establishments": "Établissements",
        "strong_cluster": "Cluster fort",
        "quality": "Qualité des données",
        "quality_note": "Validations Great Expectations par jour (60 derniers jours).",
        "validations_passed": "Réussies",
        "validations_failed": "Échouées",
        "validations": "Validations",
        "outcome": "Résultat",
        "recent_alerts": "Alertes récentes",
        "alert": "Alerte",
        "severity": "Gravité",
        "occurrences": "Occurrences",
        "last_seen": "Vue le",
        "delivered": "Livrée",
        "source_health": "Santé des sources",
        "health": "État",
        "hours_silent": "Heures sans nouvel article",
        "last_run": "Dernière collecte",
        "runs": "Collectes (échouées)",
        "source_activity": "Articles par source et par mois",
        "yes": "oui",
        "no": "non",
        "back": "Retour à la vue d'ensemble",
        "none": "aucun",
        "demo": "démo",
    },
    "ar": {
        "title": "مرصد التجمعات الصناعية في الجزائر",
        "subtitle": "تغطية التجمعات الصناعية ومدى تبعية الصادرات للمحروقات",
        "generated": "أُنشئ في",
        "source_note": "مبني من مخطط marts (دور clusterwatch_analyst).",
        "no_data": "لا توجد بيانات بعد.",
        "nav_overview": "نظرة عامة",
        "switch_language": "Français",
        "clusters": "التجمعات الصناعية",
        "activity": "نشاط التجمعات في الصحافة",
        "activity_note": "عدد المقالات شهريا التي تذكر كل تجمع (الأكثر تغطية).",
        "month": "الشهر",
        "articles": "المقالات",
        "cluster": "التجمع",
        "sector": "القطاع",
        "sectors": "القطاعات",
        "wilaya": "الولاية",
        "wilayas": "الولايات",
        "status": "الحالة",
        "created_on": "تاريخ الإنشاء",
        "members": "الأعضاء",
        "sources": "المصادر",
        "official_acts": "النصوص الرسمية",
        "first_mentioned": "أول ذكر",
        "last_mentioned": "آخر ذكر",
        "profile": "الملف",
        "latest_articles": "آخر المقالات",
        "language": "اللغة",
        "date": "التاريخ",
        "source": "المصدر",
        "article_title": "العنوان",
        "arabic": "العربية",
        "french": "الفرنسية",
        "monthly_coverage": "التغطية الشهرية",
        "trade": "صادرات الجزائر",
        "hydrocarbons": "حصة المحروقات ومؤشر التركز (HHI) حسب السنة",
        "hydrocarbons_note": "حصة الفصل 27 من النظام المنسق في الصادرات ومؤشر "
                             "هيرفندال-هيرشمان على المنتجات (من 0 إلى 1).",
        "year": "السنة",
        "share": "القيمة (من 0 إلى 1)",
        "measure": "المؤشر",
        "hydrocarbon_share": "حصة المحروقات",
        "hhi": "HHI",
        "hhi_normalised": "HHI المعياري",
        "total_exports": "مجموع الصادرات (دولار)",
        "rca": "المنتجات الأكثر تنافسية (الميزة النسبية الظاهرة)",
        "rca_note": "منتجات الجزائر ذات أعلى مؤشر بلاسا في آخر سنة؛ تنافسي عندما RCA ≥ 1.",
        "product": "المنتج (النظام المنسق)",
        "rca_value": "RCA",
        "competitive": "تنافسي",
        "exports_usd": "الصادرات (دولار)",
        "lq": "تخصص الولايات حسب القطاع (حاصل التوطن)",
        "lq_note": "حاصل التوطن = (تشغيل القطاع في الولاية / تشغيل الولاية) / "
                   "(التشغيل الوطني للقطاع / التشغيل الوطني).",
        "location_quotient": "حاصل التوطن",
        "employees": "مناصب الشغل",
        "establishments": "المؤسسات",
        "strong_cluster": "تجمع قوي",
        "quality": "جودة البيانات",
        "quality_note": "عمليات التحقق (Great Expectations) يوميا خلال آخر 60 يوما.",
        "validations_passed": "ناجحة",
        "validations_failed": "فاشلة",
        "validations": "عمليات التحقق",
        "outcome": "النتيجة",
        "recent_alerts": "آخر التنبيهات",
        "alert": "التنبيه",
        "severity": "الخطورة",
        "occurrences": "التكرار",
        "last_seen": "آخر ظهور",
        "delivered": "أُرسل",
        "source_health": "حالة المصادر",
        "health": "الحالة",
        "hours_silent": "ساعات دون مقال جديد",
        "last_run": "آخر جمع",
        "runs": "عمليات الجمع (الفاشلة)",
        "source_activity": "المقالات حسب المصدر والشهر",
        "yes": "نعم",
        "no": "لا",
        "back": "العودة إلى النظرة العامة",
        "none": "لا شيء",
        "demo": "تجريبي",
    },
}

# Vega renders chart text itself: name the bundled Arabic font first on Arabic pages.
CHART_FONT = {"fr": "sans-serif", "ar": "Noto Naskh Arabic, sans-serif"}


# The marts' coded values (health status, alert severity, cluster status) shown in the page's
# language; the code itself stays in CSS classes and in the marts. A value not listed here
# (a free-text status from the gazetteer, say) is shown as it is.
VALUES = {
    "fr": {
        "fresh": "à jour", "warn": "en retard", "error": "muet", "unchecked": "non vérifié",
        "warning": "avertissement", "active": "actif", "unknown": "inconnu",
    },
    "ar": {
        "fresh": "محدث", "warn": "متأخر", "error": "صامت", "unchecked": "لم يُفحص",
        "warning": "تحذير", "active": "نشط", "unknown": "غير معروف",
    },
}
# "error" is a health status (a source silent beyond its targets) and an alert severity.
SEVERITY = {"fr": {"error": "erreur"}, "ar": {"error": "خطأ"}}


def text(lang: str) -> dict[str, str]:
    return TEXT[lang]


def value_label(value: str | None, lang: str, kind: str = "status") -> str:
    """A coded mart value in the page's language (`kind` "severity" for alert severities)."""
    if value is None or value == "":
        return "–"
    key = value.strip().lower()
    if kind == "severity" and key in SEVERITY[lang]:
        return SEVERITY[lang][key]
    return VALUES[lang].get(key, value)
