"""Listed supervision (挂牌督办) and its rhythm (月询季报), for any supervised subject."""
