from .contracts import router as contracts_router

__all__ = ["contracts_router"]
