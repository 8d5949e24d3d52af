"""TikTok-Berater: answers TikTok questions for German SMEs from a curated knowledge base."""
