"""Server-rendered pages, one module per noun. Thin: they read through the apps' queries and
call their actions; they never write models themselves."""
